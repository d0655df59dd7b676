package io.cohort.contracts;

import java.math.BigInteger;
import java.util.Set;

/**
 * How a round's scores and flags turn into the cumulative credits and slashes of the credits tree
 * (docs/node.md, "Evaluator"): the rule evaluators apply when they post and auditors check when
 * they replay, kept in one place so the two cannot drift apart.
 *
 * <ul>
 *   <li>credit: {@code rewardPerRound · scoreBps / 10,000}, rounded down, so a round never pays
 *       more than its reward;
 *   <li>slash: a quarter of the stake for each flag that shows intent, at most the whole stake.
 *       {@code free-rider} (paid nothing), {@code seal:not-a-recipient} (the evaluator's key is not
 *       in the envelope it checked holds the committee's) and {@code fetch:*} (an honest trainer's
 *       slow or lost IPFS add can cause it) do not slash.
 * </ul>
 */
public final class CreditRule {

    /**
     * Flags that do not slash, besides every {@code fetch:*}. {@code seal:not-a-recipient} is the
     * evaluator's own fault: the envelope is checked to hold exactly the committee's keys first, so
     * an evaluator whose key is not among them (a wrong key registered) would otherwise slash every
     * honest trainer.
     */
    private static final Set<String> NOT_SLASHED = Set.of("free-rider", "seal:not-a-recipient");

    private CreditRule() {}

    /** What a round pays a score of {@code scoreBps} basis points. */
    public static BigInteger credit(BigInteger rewardPerRound, long scoreBps) {
        return rewardPerRound
                .multiply(BigInteger.valueOf(scoreBps))
                .divide(BigInteger.valueOf(10_000));
    }

    /** Whether {@code flag} (null: none) slashes. */
    public static boolean slashes(String flag) {
        return flag != null && !NOT_SLASHED.contains(flag) && !flag.startsWith("fetch:");
    }

    /** The cumulative slash after one more slashing flag. */
    public static BigInteger slashAgain(BigInteger slashed, BigInteger stake) {
        return slashed.add(stake.divide(BigInteger.valueOf(4))).min(stake);
    }
}
