package io.cohort.marketplace.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.contracts.CreditRule;
import io.cohort.contracts.CreditTree;
import io.cohort.contracts.RoundRecords;
import io.cohort.contracts.generated.Market;
import io.cohort.ipfs.Cid;
import io.cohort.learning.model.ModelSpec;
import io.cohort.marketplace.MarketplaceConfig;
import io.cohort.marketplace.index.Indexer;
import io.cohort.marketplace.index.MarketIndex;
import io.cohort.marketplace.index.ProjectView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.crypto.Hash;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.utils.Numeric;

/**
 * {@code GET /projects/{id}/audit}: replays what the chain recorded (from the index) against the
 * round records on IPFS, round by round, and says where they disagree. For each settled round: the
 * record is the project's and the round's; it judged exactly the chain's submissions, in order, and
 * the chain's rolling submissions hash recomputes from the events; every trainer's cumulative
 * credit is the previous one plus {@code reward · bps / 10,000} of its score, and its slash the
 * previous one plus a quarter stake per flag that shows intent, at most the stake ({@link
 * CreditRule}); the record's credits build the root the chain settled; and the result rebuilt from
 * the record hashes (by the contract's own {@code resultHash}) to what settled; every {@code
 * copy:earlier-round} flag holds against the two released updates it names ({@link CopyClaims}).
 * For the project: no trainer claimed more than its latest credit, and every stake came back less
 * exactly its slash.
 */
@ApplicationScoped
public class Auditor {

    /**
     * @param recompute with {@code ?recompute=true}: {@code match}, {@code mismatch} or {@code
     *     not-recomputable} (its reasons among the problems); null otherwise
     */
    public record RoundAudit(
            long round,
            String reportCid,
            boolean recordReadable,
            boolean submissionsMatch,
            boolean creditsMatchScores,
            boolean rootMatches,
            boolean resultHashMatches,
            boolean copiesHold,
            boolean sealFlagsHold,
            String recompute,
            List<String> problems) {

        RoundAudit recomputed(Recomputer.Result r) {
            List<String> all = new ArrayList<>(problems);
            if (!r.outcome().equals("match")) {
                r.problems().forEach(p -> all.add("recompute: " + p));
            }
            return new RoundAudit(
                    round,
                    reportCid,
                    recordReadable,
                    submissionsMatch,
                    creditsMatchScores,
                    rootMatches,
                    resultHashMatches,
                    copiesHold,
                    sealFlagsHold,
                    r.outcome(),
                    all);
        }
    }

    public record Audit(
            String project,
            String verdict,
            int settledRounds,
            boolean claimsWithinCredits,
            boolean stakesReturnedLessSlashes,
            List<RoundAudit> rounds,
            List<String> problems) {}

    @Inject Indexer indexer;
    @Inject Records records;
    @Inject Recomputer recomputer;
    @Inject CopyClaims copyClaims;
    @Inject SealClaims sealClaims;

    /** Each project's committee sealing keys, fixed at its creation. */
    private final Map<String, List<byte[]>> sealKeys =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Project {@code id}'s committee sealing keys, as the market holds them.
     *
     * @throws Problem 502 when the chain does not answer
     */
    private List<byte[]> sealKeys(String id) {
        List<byte[]> known = sealKeys.get(id);
        if (known != null) {
            return known;
        }
        try {
            List<byte[]> keys = view().committee(new BigInteger(id)).send().component2();
            sealKeys.put(id, keys);
            return keys;
        } catch (Exception e) {
            throw new Problem(
                    502,
                    "Chain unavailable",
                    "cannot read project " + id + "'s committee keys: " + e.getMessage());
        }
    }

    /** Each project's model's parameter count, by project id (its spec never changes). */
    private final Map<String, Long> modelParameters = Kept.atMost(SealClaims.CACHED);

    /**
     * How many parameters project {@code p}'s model has, counted from its spec.
     *
     * @throws Problem 502 when IPFS cannot give the spec
     * @throws IllegalArgumentException when the spec is not a valid one
     */
    private long modelParameters(ProjectView p) {
        Long known = modelParameters.get(p.id());
        if (known != null) {
            return known;
        }
        long n =
                ModelSpec.parse(
                                new String(
                                        records.bytes(p.modelSpecCid(), Recomputer.MAX_SPEC_BYTES),
                                        StandardCharsets.UTF_8))
                        .parameterCount();
        modelParameters.put(p.id(), n);
        return n;
    }

    @Inject MarketplaceConfig config;

    private Market view;

    private synchronized Market view() {
        if (view == null) {
            Web3j web3j = Web3j.build(new HttpService(config.rpcUrl()));
            view =
                    Market.load(
                            config.market(),
                            web3j,
                            new ReadonlyTransactionManager(web3j, config.market()),
                            new DefaultGasProvider());
        }
        return view;
    }

    public Audit audit(BigInteger id) {
        return audit(id, false);
    }

    /**
     * The audit; with {@code recompute}, each settled round's scoring is also rerun ({@link
     * Recomputer}) and a round that does not match, or cannot be rerun, is a problem.
     */
    public Audit audit(BigInteger id, boolean recompute) {
        long now = indexer.now();
        // one read of the index: a range applied between reads would pair a claim with the
        // rounds before the one it claims from
        Indexed at =
                indexer.index()
                        .read(
                                ix ->
                                        ix.project(id, now)
                                                .map(
                                                        view ->
                                                                new Indexed(
                                                                        view,
                                                                        ProjectView.rounds(
                                                                                ix, id, now),
                                                                        ix.trainers(id))))
                        .orElseThrow(() -> Problem.notFound("no project " + id));
        ProjectView p = at.project();
        List<ProjectView.RoundView> rounds = at.rounds();
        List<MarketIndex.TrainerStanding> trainers = at.trainers();
        List<RoundAudit> out = new ArrayList<>();
        Map<String, BigInteger[]> latest = new HashMap<>();
        // the last settled round whose record could not be read, while no later one was: the
        // credits after it are unknown, so what builds on them cannot be checked
        Long unread = null;
        for (ProjectView.RoundView r : rounds) {
            if (r.settled() == null) {
                continue;
            }
            Map<String, BigInteger[]> read = new HashMap<>();
            RoundAudit a = auditRound(p, rounds, r, latest, unread, read, trainers);
            out.add(a);
            if (a.recordReadable()) {
                latest = read;
                unread = null;
            } else {
                unread = r.round();
            }
        }
        if (recompute) {
            List<Recomputer.Result> again = recomputer.recompute(p, rounds);
            for (int i = 0; i < out.size(); i++) {
                out.set(i, out.get(i).recomputed(again.get(i)));
            }
        }
        List<String> problems = new ArrayList<>();
        boolean claims = true;
        boolean stakes = true;
        if (unread != null) {
            claims = false;
            stakes = false;
            problems.add(
                    "claims and stakes cannot be checked: the record of round "
                            + unread
                            + ", the last settled, cannot be read");
            trainers = List.of();
        }
        for (MarketIndex.TrainerStanding t : trainers) {
            BigInteger[] leaf =
                    latest.getOrDefault(
                            t.trainer(), new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO});
            if (t.claimed().compareTo(leaf[0]) > 0) {
                claims = false;
                problems.add(
                        t.trainer()
                                + " claimed "
                                + t.claimed()
                                + ", more than its credit "
                                + leaf[0]);
            }
            if (t.stakeWithdrawn()) {
                BigInteger slashed = leaf[1].min(t.stake());
                if (!t.stakeReturned().equals(t.stake().subtract(slashed))) {
                    stakes = false;
                    problems.add(
                            t.trainer()
                                    + " was given "
                                    + t.stakeReturned()
                                    + " of its stake back (paid or kept for it), not "
                                    + t.stake().subtract(slashed));
                }
            }
        }
        boolean clean = claims && stakes && out.stream().allMatch(a -> a.problems().isEmpty());
        return new Audit(
                id.toString(),
                clean ? "clean" : "mismatch",
                out.size(),
                claims,
                stakes,
                out,
                problems);
    }

    /**
     * Whether {@code leaves}, the record's cumulative credits and slashes, are {@code previous}'s
     * plus what the record's scores and flags ({@code judged}) imply; each difference goes into
     * {@code problems}.
     */
    private static boolean creditsFollow(
            ProjectView p,
            Map<String, BigInteger[]> previous,
            List<RoundRecords.Submission> judged,
            Map<String, BigInteger[]> leaves,
            List<String> problems) {
        Map<String, BigInteger[]> expected = new LinkedHashMap<>();
        previous.forEach((k, v) -> expected.put(k, v.clone()));
        BigInteger reward = p.rewardPerRound();
        BigInteger stake = p.trainerStake();
        for (RoundRecords.Submission e : judged) {
            String t = e.trainer().toLowerCase();
            BigInteger[] x =
                    expected.computeIfAbsent(
                            t, k -> new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO});
            x[0] = x[0].add(CreditRule.credit(reward, e.scoreBps()));
            if (CreditRule.slashes(e.flag())) {
                x[1] = CreditRule.slashAgain(x[1], stake);
            }
        }
        boolean credits = true;
        for (var l : leaves.entrySet()) {
            BigInteger[] want =
                    expected.getOrDefault(
                            l.getKey(), new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO});
            if (!want[0].equals(l.getValue()[0]) || !want[1].equals(l.getValue()[1])) {
                credits = false;
                problems.add(
                        l.getKey()
                                + ": the record credits "
                                + l.getValue()[0]
                                + " and slashes "
                                + l.getValue()[1]
                                + ", its scores and flags imply "
                                + want[0]
                                + " and "
                                + want[1]);
            }
        }
        for (String t : expected.keySet()) {
            if (!leaves.containsKey(t)) {
                credits = false;
                problems.add(t + " has credit or slash but no leaf in the record");
            }
        }
        return credits;
    }

    /** What the audit reads of the index, read at once. */
    private record Indexed(
            ProjectView project,
            List<ProjectView.RoundView> rounds,
            List<MarketIndex.TrainerStanding> trainers) {}

    /**
     * Whether {@code rebuilt} hashes to {@code settled} by the market's own {@code resultHash}.
     *
     * @throws Problem 502 when the chain does not answer, or answers with an error (a rate limit:
     *     web3j reports any error answer to a call as a revert); that says nothing about the record
     */
    /**
     * {@link #hashesTo}'s answers, kept: the market's {@code resultHash} is a pure function of the
     * result, so the same rebuilt result and settled hash always give the same answer, and an audit
     * would otherwise ask the chain once per settled round on every request (up to 65,535 rounds).
     */
    static final class ResultHashes {
        static final int KEPT = 4096;

        private final Map<String, Boolean> answers = Kept.atMost(KEPT);

        boolean hashesTo(Market market, Market.Result rebuilt, String settled, long round) {
            String key =
                    settled
                            + " "
                            + Numeric.toHexString(
                                    Hash.sha3(
                                            Numeric.hexStringToByteArray(
                                                    TypeEncoder.encode(rebuilt))));
            Boolean known = answers.get(key);
            if (known == null) {
                known = Auditor.hashesTo(market, rebuilt, settled, round);
                answers.put(key, known);
            }
            return known;
        }
    }

    private final ResultHashes resultHashes = new ResultHashes();

    static boolean hashesTo(Market market, Market.Result rebuilt, String settled, long round) {
        byte[] hash;
        try {
            hash = market.resultHash(rebuilt).send();
        } catch (Exception e) {
            throw new Problem(
                    502,
                    "Chain unavailable",
                    "cannot check round "
                            + round
                            + "'s result hash: the chain did not answer ("
                            + e.getMessage()
                            + ")");
        }
        return Numeric.toHexString(hash).equals(settled);
    }

    /**
     * One round's audit against the cumulative credits after the round before ({@code previous});
     * with {@code unread}, the round before's record could not be read, and the credits are not
     * checked against the scores. The record's own credits go into {@code read} once it is
     * readable.
     */
    private RoundAudit auditRound(
            ProjectView p,
            List<ProjectView.RoundView> rounds,
            ProjectView.RoundView r,
            Map<String, BigInteger[]> previous,
            Long unread,
            Map<String, BigInteger[]> read,
            List<MarketIndex.TrainerStanding> trainers) {
        List<String> problems = new ArrayList<>();
        String reportCid = r.settled().reportCid();
        JsonNode record;
        try {
            record = records.record(reportCid);
        } catch (Problem e) {
            if (e.status() == 503) {
                throw e; // busy: no verdict on the round, the client asks again
            }
            problems.add("the record cannot be read: " + e.getMessage());
            return new RoundAudit(
                    r.round(), reportCid, false, false, false, false, false, false, false, null,
                    problems);
        }
        List<CreditTree.Leaf> treeLeaves;
        List<RoundRecords.Submission> judged;
        try {
            treeLeaves = RoundRecords.credits(record);
            judged = RoundRecords.submissions(record);
        } catch (RoundRecords.Malformed e) {
            problems.add("the record is malformed: " + e.getMessage());
            return new RoundAudit(
                    r.round(), reportCid, false, false, false, false, false, false, false, null,
                    problems);
        }
        if (!RoundRecords.FORMAT.equals(record.path("format").asText())
                || !p.id().equals(record.path("project").asText())
                || record.path("round").asLong(-1) != r.round()) {
            problems.add(
                    "the record is not project "
                            + p.id()
                            + "'s round "
                            + r.round()
                            + " in cohort-round/1");
        }

        // the judged submissions are the chain's, and the rolling hash recomputes
        boolean subs = true;
        if (judged.size() != r.submissions().size()) {
            subs = false;
            problems.add(
                    "the record judged "
                            + judged.size()
                            + " submissions, the chain has "
                            + r.submissions().size());
        }
        byte[] h = new byte[32];
        for (int i = 0; i < r.submissions().size(); i++) {
            MarketIndex.Submission s = r.submissions().get(i);
            h =
                    Hash.sha3(
                            Numeric.hexStringToByteArray(
                                    FunctionEncoder.encodeConstructor(
                                            List.of(
                                                    new Bytes32(h),
                                                    new Address(s.trainer()),
                                                    new DynamicBytes(
                                                            Numeric.hexStringToByteArray(
                                                                    s.cidHex()))))));
            if (!Numeric.toHexString(h).equals(s.submissionsHash())) {
                subs = false;
                problems.add("submission " + i + "'s rolling hash does not recompute");
            }
            if (i < judged.size()
                    && (!judged.get(i).trainer().equalsIgnoreCase(s.trainer())
                            || !judged.get(i).cid().equals(s.cid()))) {
                subs = false;
                problems.add(
                        "the record's submission "
                                + i
                                + " is not the chain's ("
                                + s.trainer()
                                + ", "
                                + s.cid()
                                + ")");
            }
        }

        // credits and slashes follow from the scores and flags
        Map<String, BigInteger[]> leaves = leaves(treeLeaves);
        read.putAll(leaves);
        boolean credits = true;
        if (unread != null) {
            credits = false;
            problems.add(
                    "credits cannot be checked against the scores: they add to those after round "
                            + unread
                            + ", whose record cannot be read");
        } else {
            credits = creditsFollow(p, previous, judged, leaves, problems);
        }
        List<String> uncovered = coverage(trainers, leaves.keySet());
        if (!uncovered.isEmpty()) {
            credits = false;
            problems.addAll(uncovered);
        }

        // the record's credits build the settled root, and the result hashes to what settled
        BigInteger credited = BigInteger.ZERO;
        BigInteger slashed = BigInteger.ZERO;
        for (CreditTree.Leaf leaf : treeLeaves) {
            credited = credited.add(leaf.credit());
            slashed = slashed.add(leaf.slash());
        }
        boolean root;
        byte[] rootBytes;
        try {
            rootBytes = CreditTree.of(treeLeaves).root();
            root = Numeric.toHexString(rootBytes).equals(r.settled().creditsRoot());
        } catch (RuntimeException e) {
            rootBytes = new byte[32];
            root = false;
        }
        if (!root) {
            problems.add(
                    "the record's credits do not build the settled root "
                            + r.settled().creditsRoot());
        }
        Market.Result rebuilt;
        try {
            byte[] submissionsHash =
                    r.submissions().isEmpty()
                            ? new byte[32]
                            : Numeric.hexStringToByteArray(
                                    r.submissions()
                                            .get(r.submissions().size() - 1)
                                            .submissionsHash());
            rebuilt =
                    new Market.Result(
                            rootBytes,
                            credited,
                            slashed,
                            BigInteger.valueOf(treeLeaves.size()),
                            submissionsHash,
                            Cid.parse(record.path("model-cid").asText()).toBytes(),
                            Cid.parse(reportCid).toBytes());
        } catch (RuntimeException e) {
            rebuilt = null; // a field the contract cannot take (a bad CID, an overflow)
        }
        boolean result =
                rebuilt != null
                        && resultHashes.hashesTo(
                                view(), rebuilt, r.settled().resultHash(), r.round());
        if (!result) {
            problems.add(
                    "the result rebuilt from the record does not hash to the settled "
                            + r.settled().resultHash());
        }

        // every copy:earlier-round flag names an earlier update it copies (CopyClaims)
        List<String> copies = copyClaims.problems(p.id(), rounds, r, record, judged);
        problems.addAll(copies);
        // every seal:* flag is what the checks anyone can make of its update say (SealClaims)
        List<String> seals =
                sealClaims.problems(
                        p.id(),
                        r.round(),
                        judged,
                        () -> sealKeys(p.id()),
                        () -> modelParameters(p));
        problems.addAll(seals);
        return new RoundAudit(
                r.round(),
                reportCid,
                true,
                subs,
                credits,
                root,
                result,
                copies.isEmpty(),
                seals.isEmpty(),
                null,
                problems);
    }

    /**
     * Where a record's leaves are not the trainers the contract takes them for: the result covers
     * the trainers whose registration index is below its leaf count, and {@code withdrawStake} asks
     * each of them for a leaf (one left out has its stake locked) and every later one for none (one
     * with a leaf could withdraw its whole stake past a slash).
     */
    static List<String> coverage(
            List<MarketIndex.TrainerStanding> trainers, java.util.Set<String> leaves) {
        List<String> problems = new ArrayList<>();
        int covered = leaves.size();
        for (MarketIndex.TrainerStanding t : trainers) {
            String trainer = t.trainer().toLowerCase();
            boolean inside = t.index() < covered;
            if (inside && !leaves.contains(trainer)) {
                problems.add(
                        trainer
                                + " (trainer "
                                + t.index()
                                + ") is covered by the result's "
                                + covered
                                + " trainers but has no leaf: its stake cannot be withdrawn");
            } else if (!inside && leaves.contains(trainer)) {
                problems.add(
                        trainer
                                + " (trainer "
                                + t.index()
                                + ") has a leaf but is not among the result's first "
                                + covered
                                + " trainers");
            }
        }
        return problems;
    }

    private static Map<String, BigInteger[]> leaves(List<CreditTree.Leaf> credits) {
        Map<String, BigInteger[]> out = new LinkedHashMap<>();
        for (CreditTree.Leaf l : credits) {
            out.put(l.trainer().toLowerCase(), new BigInteger[] {l.credit(), l.slash()});
        }
        return out;
    }
}
