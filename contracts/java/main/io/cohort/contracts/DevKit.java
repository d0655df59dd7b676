package io.cohort.contracts;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.protocol.Web3j;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Convert;
import org.web3j.utils.Numeric;

/**
 * Helpers for a development chain ({@link DevChain}): funded throw-away accounts, transaction
 * managers that poll for receipts every 20 ms, a fixed gas price, ether amounts and stand-in CIDs.
 * Used by the tests, the gas report and the demo; not for real networks.
 */
public final class DevKit {

    public static final BigInteger GAS_PRICE = Convert.toWei("2", Convert.Unit.GWEI).toBigInteger();
    public static final BigInteger GAS_LIMIT = BigInteger.valueOf(5_000_000);
    public static final String ETH = Erc20.ETH;

    private DevKit() {}

    /** A fresh key whose account Anvil funds with {@code wei}. */
    public static Credentials fundedAccount(DevChain chain, BigInteger wei) throws Exception {
        Credentials credentials = Credentials.create(Keys.createEcKeyPair());
        chain.setBalance(credentials.getAddress(), wei);
        return credentials;
    }

    /** Signs locally and polls for the receipt every 20 ms (Anvil mines at once). */
    public static RawTransactionManager tx(Web3j web3j, Credentials who) {
        return new RawTransactionManager(
                web3j,
                who,
                DevChain.CHAIN_ID,
                new PollingTransactionReceiptProcessor(web3j, 20, 500));
    }

    public static StaticGasProvider gas() {
        return new StaticGasProvider(GAS_PRICE, GAS_LIMIT);
    }

    public static BigInteger ether(String amount) {
        return Convert.toWei(amount, Convert.Unit.ETHER).toBigIntegerExact();
    }

    /**
     * A stand-in CIDv1 (raw codec, sha2-256) of a label: the contract only stores and echoes CIDs.
     */
    public static byte[] cid(String label) {
        byte[] digest = Hash.sha256(label.getBytes(StandardCharsets.UTF_8));
        byte[] cid = new byte[36];
        cid[0] = 0x01;
        cid[1] = 0x55;
        cid[2] = 0x12;
        cid[3] = 0x20;
        System.arraycopy(digest, 0, cid, 4, 32);
        return cid;
    }

    /**
     * {@code personal_sign} (EIP-191) of {@code message} by {@code key}: the 65-byte signature
     * {@code r || s || v} as 0x-hex, what a wallet gives for a sign-in message (EIP-4361).
     */
    public static String personalSign(String message, Credentials key) {
        Sign.SignatureData s =
                Sign.signPrefixedMessage(
                        message.getBytes(StandardCharsets.UTF_8), key.getEcKeyPair());
        byte[] out = new byte[65];
        System.arraycopy(s.getR(), 0, out, 0, 32);
        System.arraycopy(s.getS(), 0, out, 32, 32);
        out[64] = s.getV()[0];
        return Numeric.toHexString(out);
    }

    public static byte[] bytes32(String label) {
        return Hash.sha3(label.getBytes(StandardCharsets.UTF_8));
    }
}
