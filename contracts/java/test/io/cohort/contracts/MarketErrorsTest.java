package io.cohort.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.web3j.protocol.core.Response;

class MarketErrorsTest {

    private static final String TRAINER = "70997970c51812dc3a010c7d01b50e0d17dc79c8";

    private static String word(String hex) {
        return "0".repeat(64 - hex.length()) + hex;
    }

    @Test
    void namesAnErrorWithItsArguments() {
        String data =
                MarketErrors.selector("UpdateAlreadySubmitted(uint256,uint256,address)")
                        + word("1")
                        + word("2")
                        + word(TRAINER);
        assertThat(MarketErrors.describe(data))
                .contains(
                        "UpdateAlreadySubmitted(projectId=1, round=2, trainer=0x" + TRAINER + ")");
    }

    @Test
    void theNameOfTheErrorAnRpcCallRevertedWith() {
        String data =
                "\""
                        + MarketErrors.selector("UpdateAlreadySubmitted(uint256,uint256,address)")
                        + word("1")
                        + word("2")
                        + word(TRAINER)
                        + "\"";
        assertThat(MarketErrors.name(new Response.Error(3, "execution reverted"))).isEmpty();
        Response.Error reverted = new Response.Error(3, "execution reverted");
        reverted.setData(data);
        assertThat(MarketErrors.name(reverted)).contains("UpdateAlreadySubmitted");
        reverted.setData("\"0xdeadbeef\"");
        assertThat(MarketErrors.name(reverted)).isEmpty();
    }

    @Test
    void argumentsThatAreNoHexAreNoErrorNotAnException() {
        assertThat(
                        MarketErrors.describe(
                                MarketErrors.selector("ProjectNotFound(uint256)")
                                        + "zz".repeat(32)))
                .isEmpty();
    }

    @Test
    void onlyARevertIsTheContractsVerdictOtherErrorsAreTheChains() {
        // Anvil's and geth's revert: code 3, or the error's data, or the message
        assertThat(MarketErrors.isRevert(new Response.Error(3, "execution reverted"))).isTrue();
        Response.Error withData = new Response.Error(-32000, "VM exception");
        withData.setData("\"0x1234abcd\"");
        assertThat(MarketErrors.isRevert(withData)).isTrue();
        assertThat(MarketErrors.isRevert(new Response.Error(-32603, "execution reverted")))
                .isTrue();
        // a rate limit, a missing header, no ETH for the gas, empty data: no verdict on the call
        assertThat(MarketErrors.isRevert(new Response.Error(-32005, "rate limit exceeded")))
                .isFalse();
        assertThat(MarketErrors.isRevert(new Response.Error(-32000, "header not found"))).isFalse();
        assertThat(
                        MarketErrors.isRevert(
                                new Response.Error(
                                        -32000, "insufficient funds for gas * price + value")))
                .isFalse();
        Response.Error emptyData = new Response.Error(-32000, "busy");
        emptyData.setData("\"0x\"");
        assertThat(MarketErrors.isRevert(emptyData)).isFalse();
    }

    @Test
    void anErrorWithoutArguments() {
        assertThat(MarketErrors.describe(MarketErrors.selector("EmptyCid()")))
                .contains("EmptyCid()");
    }

    @Test
    void unknownSelectorsAndCutArgumentsAreNotGuessed() {
        assertThat(MarketErrors.describe("0xdeadbeef")).isEmpty();
        assertThat(MarketErrors.describe("0x12")).isEmpty();
        assertThat(MarketErrors.describe(null)).isEmpty();
        String cut = MarketErrors.selector("ProjectNotFound(uint256)") + "00";
        assertThat(MarketErrors.describe(cut)).isEmpty();
    }
}
