package io.cohort.tour;

import io.cohort.contracts.DevChain;
import java.math.BigInteger;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/** Fresh accounts with money, on the demo's Anvil or on a given one ({@code anvil_setBalance}). */
final class Funder {

    private final Web3j web3j;
    private final HttpService service;

    Funder(String rpc, DevChain chain) {
        this.service = new HttpService(rpc);
        this.web3j = chain != null ? chain.web3j() : Web3j.build(service);
    }

    Web3j web3j() {
        return web3j;
    }

    Credentials fund(BigInteger wei) throws Exception {
        Credentials c = Credentials.create(Keys.createEcKeyPair());
        fund(c, wei);
        return c;
    }

    /** Sets {@code c}'s balance to {@code wei} (Anvil's {@code anvil_setBalance}). */
    void fund(Credentials c, BigInteger wei) throws java.io.IOException {
        VoidResponse r =
                new Request<>(
                                "anvil_setBalance",
                                java.util.List.of(
                                        c.getAddress(), Numeric.toHexStringWithPrefix(wei)),
                                service,
                                VoidResponse.class)
                        .send();
        if (r.hasError()) {
            throw new IllegalStateException(
                    "the chain does not fund accounts (anvil_setBalance): "
                            + r.getError().getMessage());
        }
    }
}
