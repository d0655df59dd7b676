package io.cohort.marketplace.index;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A project as the API shows it: terms, status at the chain's time, and its rounds in brief.
 *
 * @param status {@code scheduled}, {@code running}, {@code ended} or {@code cancelled}
 * @param currentRound the round the chain's clock is in while running, else null
 * @param latestModelCid the model of the latest settled round, or the initial model
 */
public record ProjectView(
        String id,
        String owner,
        String token,
        BigInteger budget,
        BigInteger rewardPerRound,
        int rounds,
        String status,
        Long currentRound,
        BigInteger trainerStake,
        BigInteger evaluatorBond,
        long start,
        long submitPeriod,
        long evalPeriod,
        int maxTrainers,
        int quorum,
        List<String> committee,
        Map<String, BigInteger> bonds,
        String modelSpecCid,
        String initialModelCid,
        String latestModelCid,
        int trainers,
        int settledRounds,
        BigInteger refunded,
        long createdBlock) {

    /** A round in brief. */
    public record RoundView(
            long round,
            String status,
            long opensAt,
            long submitDeadline,
            long settleDeadline,
            List<MarketIndex.Submission> submissions,
            List<MarketIndex.Post> posts,
            MarketIndex.Settlement settled) {}

    static ProjectView of(MarketIndex.Project p, long now) {
        MarketIndex.Terms t = p.terms;
        long period = t.submitPeriod() + t.evalPeriod();
        long end = t.start() + p.rounds * period;
        int settled = (int) p.roundData.values().stream().filter(r -> r.settled != null).count();
        boolean lastSettled =
                p.roundData.containsKey((long) p.rounds - 1)
                        && p.roundData.get((long) p.rounds - 1).settled != null;
        String status;
        Long current = null;
        if (p.cancelledFrom != null) {
            status = "cancelled";
        } else if (now < t.start()) {
            status = "scheduled";
        } else if (now >= end || lastSettled) {
            status = "ended";
        } else {
            status = "running";
            current = (now - t.start()) / period;
        }
        String latest = p.initialModelCid;
        for (MarketIndex.Round r : p.roundData.values()) {
            if (r.settled != null) {
                latest = r.settled.modelCid();
            }
        }
        return new ProjectView(
                p.id.toString(),
                p.owner,
                p.token,
                p.budget,
                p.rewardPerRound,
                p.rounds,
                status,
                current,
                t.trainerStake(),
                t.evaluatorBond(),
                t.start(),
                t.submitPeriod(),
                t.evalPeriod(),
                t.maxTrainers(),
                t.quorum(),
                t.committee(),
                Map.copyOf(p.bonds),
                p.modelSpecCid,
                p.initialModelCid,
                latest,
                p.trainers.size(),
                settled,
                p.refunded,
                p.createdBlock);
    }

    /** Every round that has started (or has events), in order; empty for an unknown project. */
    public static List<RoundView> rounds(MarketIndex index, BigInteger id, long now) {
        return index.get(id).map(p -> roundsOf(p, now)).orElse(List.of());
    }

    /** One round, if the project has it (a round number below its round count). */
    public static java.util.Optional<RoundView> round(
            MarketIndex index, BigInteger id, long round, long now) {
        return index.get(id)
                .filter(p -> round >= 0 && round < p.rounds)
                .map(p -> roundOf(p, round, now));
    }

    private static List<RoundView> roundsOf(MarketIndex.Project p, long now) {
        List<RoundView> out = new ArrayList<>();
        for (long r = 0; r < p.rounds; r++) {
            RoundView v = roundOf(p, r, now);
            if (!v.status().equals("scheduled") || p.roundData.containsKey(r)) {
                out.add(v);
            }
        }
        return out;
    }

    private static RoundView roundOf(MarketIndex.Project p, long r, long now) {
        MarketIndex.Terms t = p.terms;
        long period = t.submitPeriod() + t.evalPeriod();
        long opens = t.start() + r * period;
        long submitBy = opens + t.submitPeriod();
        long settleBy = opens + period;
        MarketIndex.Round round = p.roundData.get(r);
        MarketIndex.Settlement settled = round == null ? null : round.settled;
        String status;
        if (settled != null) {
            status = "settled";
        } else if (p.cancelledFrom != null && r >= p.cancelledFrom) {
            status = "cancelled";
        } else if (now < opens) {
            status = "scheduled";
        } else if (now < submitBy) {
            status = "open";
        } else if (now < settleBy) {
            status = "evaluating";
        } else {
            status = "void";
        }
        return new RoundView(
                r,
                status,
                opens,
                submitBy,
                settleBy,
                round == null ? List.of() : List.copyOf(round.submissions),
                round == null ? List.of() : List.copyOf(round.posts.values()),
                settled);
    }

    /** A trainer's standing in every project it registered in, with its submission count. */
    public record TrainerProject(
            String project,
            MarketIndex.TrainerStanding standing,
            int submissions,
            String latestReportCid) {}

    public static List<TrainerProject> trainer(MarketIndex index, String address) {
        String a = address.toLowerCase();
        List<TrainerProject> out = new ArrayList<>();
        for (MarketIndex.Project p : index.all()) {
            MarketIndex.TrainerStanding s = p.trainers.get(a);
            if (s == null) {
                continue;
            }
            int subs = 0;
            String report = null;
            for (MarketIndex.Round r : p.roundData.values()) {
                subs += (int) r.submissions.stream().filter(x -> x.trainer().equals(a)).count();
                if (r.settled != null) {
                    report = r.settled.reportCid();
                }
            }
            out.add(new TrainerProject(p.id.toString(), s, subs, report));
        }
        return out;
    }
}
