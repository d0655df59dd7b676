package io.cohort.marketplace;

import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.generated.Market;
import io.cohort.ipfs.kubo.KuboNode;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.util.Map;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Wallet;
import org.web3j.protocol.ObjectMapperFactory;

/**
 * A real Anvil and a real Kubo for the marketplace's tests, started before the application, with a
 * market deployed; the application is pointed at them by configuration.
 */
public class ChainAndIpfs implements QuarkusTestResourceLifecycleManager {

    static DevChain chain;
    static KuboNode kubo;
    static String market;
    static Credentials deployer;
    static Credentials operator;

    @Override
    public Map<String, String> start() {
        try {
            chain = DevChain.start();
            kubo = KuboNode.start();
            deployer = DevKit.fundedAccount(chain, DevKit.ether("100"));
            market =
                    Market.deploy(chain.web3j(), DevKit.tx(chain.web3j(), deployer), DevKit.gas())
                            .send()
                            .getContractAddress();
            // the operator's keystore, funded, with its password in a file
            operator = DevKit.fundedAccount(chain, DevKit.ether("100"));
            var dir = Files.createTempDirectory("marketplace-operator");
            var wallet = Wallet.createLight("operator password", operator.getEcKeyPair());
            var keystore = dir.resolve("operator.json");
            ObjectMapperFactory.getObjectMapper().writeValue(keystore.toFile(), wallet);
            var password = Files.writeString(dir.resolve("password"), "operator password\n");
            // anyone who signs in may launch: the tests sign in with fresh keys
            return Map.ofEntries(
                    Map.entry("cohort.auth.owners", "*"),
                    Map.entry("cohort.rpc-url", chain.rpcUrl()),
                    Map.entry("cohort.market", market),
                    Map.entry("cohort.ipfs-url", kubo.apiUrl().toString()),
                    Map.entry(
                            "cohort.index.dir",
                            Files.createTempDirectory("marketplace-index").toString()),
                    Map.entry("cohort.index.poll", "PT0.1S"),
                    Map.entry("cohort.operator.keystore", keystore.toString()),
                    Map.entry("cohort.operator.password-file", password.toString()),
                    Map.entry("cohort.auth.token-ttl", "PT5S"),
                    Map.entry("cohort.operator.receipt-timeout", "PT2S"),
                    // 100 gwei, far above the dev chain's base fee but for LaunchApiIT's raise
                    Map.entry("cohort.operator.max-fee", "100000000000"),
                    Map.entry(
                            "cohort.operator.ledger",
                            Files.createTempDirectory("marketplace-launches")
                                    .resolve("launches.jsonl")
                                    .toString()));
        } catch (Exception e) {
            stop();
            throw new IllegalStateException("cannot start Anvil and Kubo for the tests", e);
        }
    }

    @Override
    public void stop() {
        if (kubo != null) {
            kubo.close();
        }
        if (chain != null) {
            chain.close();
        }
    }
}
