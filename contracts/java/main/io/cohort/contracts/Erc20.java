package io.cohort.contracts;

import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;

/**
 * The three ERC-20 calls a project paid in a token needs from its payers (the marketplace's
 * operator funding a budget, a trainer staking, an evaluator bonding): read the balance and the
 * market's allowance, and the calldata of an {@code approve}.
 */
public final class Erc20 {

    /** The address of a project paid in ETH. */
    public static final String ETH = "0x" + "0".repeat(40);

    /** The address answers no such view: it is no ERC-20 contract on this chain. */
    public static final class NotATokenException extends IOException {
        private static final long serialVersionUID = 1L;

        NotATokenException(String message) {
            super(message);
        }
    }

    private Erc20() {}

    /** Whether {@code token} names ETH (the zero address) rather than an ERC-20 contract. */
    public static boolean isEth(String token) {
        return token == null || token.equalsIgnoreCase(ETH);
    }

    public static BigInteger balanceOf(Web3j web3j, String token, String owner) throws IOException {
        return view(web3j, token, "balanceOf", new Address(owner));
    }

    public static BigInteger allowance(Web3j web3j, String token, String owner, String spender)
            throws IOException {
        return view(web3j, token, "allowance", new Address(owner), new Address(spender));
    }

    /** The calldata of {@code approve(spender, amount)}. */
    public static String approve(String spender, BigInteger amount) {
        return FunctionEncoder.encode(
                new Function(
                        "approve", List.of(new Address(spender), new Uint256(amount)), List.of()));
    }

    private static BigInteger view(Web3j web3j, String token, String name, Address... args)
            throws IOException {
        Function f = new Function(name, List.of(args), List.of(new TypeReference<Uint256>() {}));
        var r =
                web3j.ethCall(
                                Transaction.createEthCallTransaction(
                                        null, token, FunctionEncoder.encode(f)),
                                DefaultBlockParameterName.LATEST)
                        .send();
        if (r.hasError() && !MarketErrors.isRevert(r.getError())) {
            // a rate limit or a node in trouble says nothing about the address
            throw new IOException(
                    "the chain answered "
                            + name
                            + "() of token "
                            + token
                            + " with an error: "
                            + r.getError().getMessage());
        }
        List<Type> out =
                r.hasError() || r.getValue() == null
                        ? List.of()
                        : FunctionReturnDecoder.decode(r.getValue(), f.getOutputParameters());
        if (out.isEmpty()) {
            throw new NotATokenException(
                    "token "
                            + token
                            + " does not answer "
                            + name
                            + "(): it is no ERC-20 contract on this chain");
        }
        return (BigInteger) out.get(0).getValue();
    }
}
