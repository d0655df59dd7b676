package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.contracts.Erc20;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The launch request's checks that need no chain or IPFS. */
class LauncherTest {

    private static final long NOW = 1_700_000_000L;

    @Test
    void aStartTheContractCannotHoldIsRefusedNotOverflowed() {
        // given
        List<String> bad = new ArrayList<>();

        // when
        long negative = Launcher.start(-1L, null, NOW, bad);
        long overflowing = Launcher.start(null, Long.MAX_VALUE, NOW, bad);
        long inAnHour = Launcher.start(null, 3600L, NOW, new ArrayList<>());

        // then
        assertThat(bad)
                .containsExactly(
                        "start must be seconds since the epoch (>= 0), got -1",
                        "startsIn "
                                + Long.MAX_VALUE
                                + " seconds from now is past the largest time");
        assertThat(negative).isEqualTo(-1);
        assertThat(overflowing).isZero();
        assertThat(inAnHour).isEqualTo(NOW + 3600);
    }

    @Test
    void anAmountIsAtMost39DigitsAndItsLengthIsCheckedBeforeItIsParsed() {
        List<String> bad = new ArrayList<>();
        String max128 = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE).toString();

        assertThat(Launcher.amount(max128, "a", true, bad)).hasToString(max128);
        assertThat(bad).isEmpty();
        // a megabyte of digits: refused by its length, and not echoed whole
        String huge = "7".repeat(1 << 20);
        assertThat(Launcher.amount(huge, "rewardPerRound", true, bad)).isZero();
        assertThat(Launcher.amount("1e18", "trainerStake", false, bad)).isZero();
        assertThat(Launcher.amount("0", "rewardPerRound", true, bad)).isZero();
        assertThat(Launcher.amount("-1", "evaluatorBond", false, bad)).isEqualTo(-1);
        assertThat(bad)
                .containsExactly(
                        "rewardPerRound is not a decimal number of wei of at most 39 digits: '"
                                + "7".repeat(48)
                                + "…'",
                        "trainerStake is not a decimal number of wei of at most 39 digits: '1e18'",
                        "rewardPerRound must be positive and fit 128 bits",
                        "evaluatorBond must be non-negative and fit 128 bits");
        // 2^128 has 39 digits too: the bit length is checked after the parse
        bad.clear();
        Launcher.amount(BigInteger.ONE.shiftLeft(128).toString(), "a", true, bad);
        assertThat(bad).containsExactly("a must be positive and fit 128 bits");
    }

    @Test
    void whatTheMarketWouldRefuseIsRefusedHereNamingEachRule() {
        // given: the market's checks (_checkParams and no evaluator twice), each broken once
        Launcher.Member a = new Launcher.Member("0x" + "aa".repeat(20), "0x" + "01".repeat(32));
        Launcher.Member sameAsA =
                new Launcher.Member("0x" + "AA".repeat(20), "0x" + "02".repeat(32));
        BigInteger max128 = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
        List<String> bad = new ArrayList<>();

        // when
        Launcher.contractRules(
                List.of(a, sameAsA), 1, max128, max128, BigInteger.ONE, BigInteger.TWO, 2, 2, bad);

        // then
        assertThat(bad)
                .containsExactly(
                        "quorum must be a majority of the committee (more than 2 / 2)",
                        "committee[1].address is in the committee twice",
                        "evaluatorPenalty must not exceed evaluatorBond",
                        "trainerStake x maxTrainers must fit the market's 128-bit stake pool",
                        "rewardPerRound x rounds + evaluatorBond x committee must fit the"
                                + " market's 128-bit accounts");
        // and a project the market takes passes
        List<String> none = new ArrayList<>();
        Launcher.contractRules(
                List.of(a),
                1,
                BigInteger.TEN,
                BigInteger.ONE,
                BigInteger.TWO,
                BigInteger.ONE,
                3,
                10,
                none);
        assertThat(none).isEmpty();
    }

    @Test
    void aTokenViewTheChainAnswersWithAnErrorIsTheChainsFaultNotTheTokens() throws Exception {
        String token = "0x" + "22".repeat(20);
        String holder = "0x" + "33".repeat(20);
        try (StubRpc rpc = StubRpc.error(-32005, "rate limit exceeded")) {
            assertThatThrownBy(() -> Erc20.balanceOf(rpc.web3j(), token, holder))
                    .isInstanceOf(java.io.IOException.class)
                    .isNotInstanceOf(Erc20.NotATokenException.class)
                    .hasMessageContaining("rate limit exceeded");
        }
        try (StubRpc rpc = StubRpc.error(3, "execution reverted")) {
            assertThatThrownBy(() -> Erc20.balanceOf(rpc.web3j(), token, holder))
                    .isInstanceOf(Erc20.NotATokenException.class);
        }
    }

    private static final BigInteger GWEI = BigInteger.TEN.pow(9);

    /** A latest block with a base fee of 10 gwei (0x2540be400). */
    private static final String BLOCK_10_GWEI =
            "{\"number\":\"0x5\",\"baseFeePerGas\":\"0x2540be400\"}";

    /** The fee history of that block, half full: the next block's base fee is 10 gwei too. */
    private static final String NEXT_10_GWEI = history("0x2540be400", 0.5);

    /** The fee history of that block, full: the next block's base fee is 11.25 gwei. */
    private static final String NEXT_11_25_GWEI = history("0x29e8d6080", 1.0);

    /**
     * A fee history of block 5 ({@code used} of its gas used) whose next block has base fee {@code
     * next} (a hex quantity, or anything else a node may answer).
     */
    private static String history(String next, double used) {
        return "{\"oldestBlock\":\"0x5\",\"baseFeePerGas\":[\"0x2540be400\",\""
                + next
                + "\"],\"gasUsedRatio\":["
                + used
                + "]}";
    }

    /**
     * The fees {@link Launcher#fees} picks on a chain that answers {@code results}, in gwei, under
     * the default cap (1,000 gwei).
     */
    private static List<Long> feesOn(String... results) throws Exception {
        return feesOn(1000L, results);
    }

    /** The same under a fee cap of {@code capGwei}. */
    private static List<Long> feesOn(long capGwei, String... results) throws Exception {
        return feesInWei(capGwei, results).stream()
                .map(f -> f.divide(GWEI).longValueExact())
                .toList();
    }

    /** The same in wei. */
    private static List<BigInteger> feesInWei(long capGwei, String... results) throws Exception {
        java.util.Map<String, String> byMethod = new java.util.HashMap<>();
        for (int i = 0; i < results.length; i += 2) {
            byMethod.put(results[i], results[i + 1]);
        }
        try (StubRpc rpc = StubRpc.byMethod(byMethod)) {
            BigInteger cap = BigInteger.valueOf(capGwei).multiply(GWEI);
            return List.of(Launcher.fees(rpc.web3j(), "createProject", cap));
        }
    }

    @Test
    void feesLeaveRoomForTheBaseFeeToDoubleAndAChainWithoutBaseFeesGetsItsGasPrice()
            throws Exception {
        // an EIP-1559 chain, tip 2 gwei (0x77359400): {tip, 2 x base + tip}
        assertThat(
                        feesOn(
                                "eth_getBlockByNumber",
                                BLOCK_10_GWEI,
                                "eth_feeHistory",
                                NEXT_10_GWEI,
                                "eth_maxPriorityFeePerGas",
                                "\"0x77359400\""))
                .containsExactly(2L, 22L);
        // the next block's base fee is the one asked: 12 gwei (0x2cb417800) where the node says
        // so (a chain whose rule raises it faster than Ethereum's)
        assertThat(
                        feesOn(
                                "eth_getBlockByNumber",
                                BLOCK_10_GWEI,
                                "eth_feeHistory",
                                history("0x2cb417800", 1.0),
                                "eth_maxPriorityFeePerGas",
                                "\"0x77359400\""))
                .containsExactly(2L, 26L);
        // a node without the fee history, or with one that is not a list of quantities: the
        // latest base fee and an eighth (11.25 gwei), the most a full block raises it, so 24.5
        // gwei to the wei
        BigInteger fallback = GWEI.multiply(BigInteger.valueOf(49)).shiftRight(1);
        for (String none :
                new String[] {
                    null,
                    history("12 gwei", 1.0),
                    history("-5", 1.0),
                    "{\"oldestBlock\":\"0x5\"}",
                    "{\"oldestBlock\":\"0x5\",\"baseFeePerGas\":\"0x1\"}",
                    "{\"oldestBlock\":\"0x5\",\"baseFeePerGas\":[\"0x1\"],\"gasUsedRatio\":\"x\"}",
                    "\"no history\""
                }) {
            java.util.List<String> stub =
                    new java.util.ArrayList<>(
                            List.of(
                                    "eth_getBlockByNumber",
                                    BLOCK_10_GWEI,
                                    "eth_maxPriorityFeePerGas",
                                    "\"0x77359400\""));
            if (none != null) {
                stub.addAll(List.of("eth_feeHistory", none));
            }
            assertThat(feesInWei(1000L, stub.toArray(String[]::new)))
                    .as(none)
                    .containsExactly(GWEI.multiply(BigInteger.TWO), fallback);
        }
        // a chain whose blocks have no base fee: its gas price, 3 gwei (0xb2d05e00)
        assertThat(
                        feesOn(
                                "eth_getBlockByNumber",
                                "{\"number\":\"0x5\"}",
                                "eth_gasPrice",
                                "\"0xb2d05e00\""))
                .containsExactly(3L);
        // a node without the tip's method: what its gas price (13 gwei, 0x306dc4200) adds to the
        // base fee
        assertThat(
                        feesOn(
                                "eth_getBlockByNumber",
                                BLOCK_10_GWEI,
                                "eth_feeHistory",
                                NEXT_10_GWEI,
                                "eth_gasPrice",
                                "\"0x306dc4200\""))
                .containsExactly(3L, 23L);
        // a node that answers neither the tip nor the gas price: a 502 naming it, nothing sent
        assertThatThrownBy(() -> feesOn("eth_getBlockByNumber", BLOCK_10_GWEI))
                .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.status()).isEqualTo(502))
                .hasMessageContaining("no answer to this call")
                .hasMessageContaining("nothing was sent");
    }

    @Test
    void aFeeCapLowersTheMaxFeeAndRefusesWhileTheChainAsksMore() throws Exception {
        String[] tip2 = {
            "eth_getBlockByNumber",
            BLOCK_10_GWEI,
            "eth_feeHistory",
            NEXT_10_GWEI,
            "eth_maxPriorityFeePerGas",
            "\"0x77359400\""
        };
        // base 10 + tip 2: a cap above 2 x base + tip changes nothing, one between base + tip and
        // it is the max fee (the transaction is includable now)
        assertThat(feesOn(100L, tip2)).containsExactly(2L, 22L);
        assertThat(feesOn(15L, tip2)).containsExactly(2L, 15L);
        assertThat(feesOn(12L, tip2)).containsExactly(2L, 12L);
        // one below base + tip: a 503 to ask again later, nothing sent
        assertThatThrownBy(() -> feesOn(11L, tip2))
                .isInstanceOfSatisfying(
                        Problem.class,
                        p -> {
                            assertThat(p.status()).isEqualTo(503);
                            assertThat(p.title()).isEqualTo("Chain fees above the cap");
                            assertThat(
                                            new Problem.Mapper()
                                                    .toResponse(p)
                                                    .getHeaderString("Retry-After"))
                                    .isEqualTo("60");
                        })
                .hasMessageContaining(
                        "the next block's base fee plus the tip is 12000000000 wei per gas")
                .hasMessageContaining("cohort.operator.max-fee (11000000000)")
                .hasMessageContaining("createProject was not sent");
        // the latest block's base fee within the cap but the next block's above it: refused too
        // (the transaction would wait in the pool); after the full block at 10, 11.25 + tip 2
        String[] rising = tip2.clone();
        rising[3] = NEXT_11_25_GWEI;
        assertThat(feesOn(14L, rising)).containsExactly(2L, 14L);
        assertThatThrownBy(() -> feesOn(13L, rising))
                .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.status()).isEqualTo(503))
                .hasMessageContaining(
                        "the next block's base fee plus the tip is 13250000000 wei per gas");
        // a chain without base fees: its gas price (3 gwei), refused above the cap
        String[] legacy3 = {
            "eth_getBlockByNumber", "{\"number\":\"0x5\"}", "eth_gasPrice", "\"0xb2d05e00\""
        };
        assertThat(feesOn(3L, legacy3)).containsExactly(3L);
        assertThatThrownBy(() -> feesOn(2L, legacy3))
                .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.status()).isEqualTo(503))
                .hasMessageContaining("the gas price is 3000000000 wei per gas");
    }

    @Test
    void aReplacementOutbidsTheStuckOneByATenthAndCoversTheBaseFeeWithinTheCap() {
        BigInteger cap = gwei(100);
        // offering 22 gwei (tip 2) while the chain asks 10 + 2: includable, no replacement
        assertThat(Launcher.replacementFees(gwei(10), gwei(2), gwei(2), gwei(22), cap)).isNull();
        assertThat(Launcher.replacementFees(gwei(20), gwei(2), gwei(2), gwei(22), cap)).isNull();
        // the base fee at 30: the node's tip, or a tenth more than the old one (plus 1 wei), and
        // twice the base fee plus that tip
        assertThat(Launcher.replacementFees(gwei(30), gwei(2), gwei(2), gwei(22), cap))
                .containsExactly(
                        gwei(2).add(gwei(2).divide(BigInteger.TEN)).add(BigInteger.ONE),
                        gwei(60).add(
                                        gwei(2).add(gwei(2).divide(BigInteger.TEN))
                                                .add(BigInteger.ONE)));
        assertThat(Launcher.replacementFees(gwei(30), gwei(5), gwei(2), gwei(22), cap))
                .containsExactly(gwei(5), gwei(65));
        // a tip far above the base fee: twice the base fee plus it
        assertThat(Launcher.replacementFees(gwei(30), gwei(40), gwei(1), gwei(60), cap))
                .containsExactly(gwei(40), gwei(100));
        // in wei: an old max fee whose tenth more is above twice the base fee plus the tip
        assertThat(
                        Launcher.replacementFees(
                                BigInteger.valueOf(10),
                                BigInteger.valueOf(200),
                                BigInteger.valueOf(10),
                                BigInteger.valueOf(205),
                                cap))
                .containsExactly(BigInteger.valueOf(200), BigInteger.valueOf(226));
        // the cap lowers the max fee while it still covers base + tip and outbids the old one
        assertThat(Launcher.replacementFees(gwei(30), gwei(5), gwei(2), gwei(22), gwei(40)))
                .containsExactly(gwei(5), gwei(40));
        // and leaves no room when it does not: below a tenth over the old max fee, or below the
        // base fee plus the tip
        assertThat(Launcher.replacementFees(gwei(30), gwei(5), gwei(2), gwei(22), gwei(24)))
                .isEmpty();
        assertThat(Launcher.replacementFees(gwei(30), gwei(5), gwei(2), gwei(22), gwei(34)))
                .isEmpty();
    }

    private static BigInteger gwei(long n) {
        return BigInteger.valueOf(n).multiply(GWEI);
    }

    @Test
    void aFeeCapBelowOneWeiRefusesToStart() {
        Launcher.checkCap(BigInteger.ONE);
        assertThatThrownBy(() -> Launcher.checkCap(BigInteger.ZERO))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cohort.operator.max-fee must be at least 1 wei, got 0");
    }

    @Test
    void roundZeroMustOpenLateEnoughForTheTransactionToLandFirst() {
        List<String> bad = new ArrayList<>();
        Launcher.start(null, 0L, NOW, bad);
        Launcher.start(NOW + 10, null, NOW, bad);
        assertThat(bad)
                .containsExactly(
                        "startsIn must be at least 30 s, so that the project's transaction is"
                                + " mined before round 0 opens; got 0",
                        "start "
                                + (NOW + 10)
                                + " is before "
                                + (NOW + 30)
                                + ": round 0 must open at least 30 s after the chain's time ("
                                + NOW
                                + "), so that the project's transaction is mined before it");
        List<String> none = new ArrayList<>();
        assertThat(Launcher.start(NOW + 30, null, NOW, none)).isEqualTo(NOW + 30);
        assertThat(Launcher.start(null, 30L, NOW, none)).isEqualTo(NOW + 30);
        assertThat(none).isEmpty();
    }

    @Test
    void anUploadAtTheLimitFitsTheBodyLimitAndOneBeyondItIsRefusedUndecoded() {
        // the largest upload as base64, with room for the other fields, fits the 64 MiB body
        long base64 = 4L * ((Launcher.MAX_UPLOAD_BYTES + 2) / 3);
        assertThat(base64 + (1 << 20)).isLessThan(64L << 20);

        List<String> bad = new ArrayList<>();
        assertThat(Launcher.upload("A".repeat((int) base64 + 4), "initialWeights", bad)).isNull();
        assertThat(Launcher.upload("%%%%", "validationData", bad)).isNull();
        assertThat(bad)
                .containsExactly(
                        "initialWeights is larger than "
                                + Launcher.MAX_UPLOAD_BYTES
                                + " bytes; add it to IPFS and send initialWeightsCid",
                        "validationData is not base64: Illegal base64 character 25");
        assertThat(
                        Launcher.upload(
                                Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}),
                                "initialWeights",
                                bad))
                .containsExactly(1, 2, 3);
    }
}
