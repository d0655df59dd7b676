package io.cohort.marketplace;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.contracts.CreditTree;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.generated.Market;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.kubo.KuboClient;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.web3j.crypto.Credentials;

/**
 * Plays projects on the tests' Anvil the way nodes would: creates them, registers trainers, submits
 * sealed-update CIDs, and posts a round record of the {@code cohort-round/1} shape to IPFS with the
 * result that settles it (quorum 1 unless a test sets another).
 */
final class Play {

    static final ObjectMapper JSON = new ObjectMapper();
    static final BigInteger REWARD = DevKit.ether("1");
    static final BigInteger STAKE = DevKit.ether("0.1");

    /** A judged submission: who, its score, its flag (or null). */
    record Judged(Credentials trainer, int bps, String flag) {}

    /** The accounts a test plays with, each funded on the tests' Anvil. */
    record Cast(Credentials owner, Credentials evaluator, Credentials alice, Credentials bob) {

        static Cast funded() throws Exception {
            var chain = ChainAndIpfs.chain;
            return new Cast(
                    DevKit.fundedAccount(chain, DevKit.ether("20")),
                    DevKit.fundedAccount(chain, DevKit.ether("5")),
                    DevKit.fundedAccount(chain, DevKit.ether("5")),
                    DevKit.fundedAccount(chain, DevKit.ether("5")));
        }

        /** Alice and Bob stake {@link #STAKE} in the project and the evaluator bonds 0.5 ETH. */
        void join(BigInteger project) throws Exception {
            as(alice).register(project, STAKE).send();
            as(bob).register(project, STAKE).send();
            as(evaluator).bondEvaluator(project, DevKit.ether("0.5")).send();
        }
    }

    private Play() {}

    /** What a score of {@code bps} basis points earns of one round's {@link #REWARD}. */
    static BigInteger pay(int bps) {
        return REWARD.multiply(BigInteger.valueOf(bps)).divide(BigInteger.valueOf(10_000));
    }

    static Market as(Credentials who) {
        return Market.load(
                ChainAndIpfs.market,
                ChainAndIpfs.chain.web3j(),
                DevKit.tx(ChainAndIpfs.chain.web3j(), who),
                DevKit.gas());
    }

    /** Creates a project starting at {@code start} with {@code evaluator} as committee; its id. */
    static BigInteger create(
            Credentials owner, long start, int rounds, Credentials evaluator, KuboClient ipfs)
            throws Exception {
        return create(owner, start, rounds, List.of(evaluator), List.of(new byte[32]), 1, ipfs);
    }

    /**
     * Creates a project whose committee is {@code committee} with their sealing keys ({@code
     * sealKeys}, raw X25519 public keys) and {@code quorum}; its id.
     */
    static BigInteger create(
            Credentials owner,
            long start,
            int rounds,
            List<Credentials> committee,
            List<byte[]> sealKeys,
            int quorum,
            KuboClient ipfs)
            throws Exception {
        return create(owner, BigInteger.valueOf(start), rounds, committee, sealKeys, quorum, ipfs);
    }

    /** As above, with any uint64 start (seconds). */
    static BigInteger create(
            Credentials owner,
            BigInteger start,
            int rounds,
            List<Credentials> committee,
            List<byte[]> sealKeys,
            int quorum,
            KuboClient ipfs)
            throws Exception {
        return create(owner, start, rounds, committee, sealKeys, quorum, "{\"spec\":1}", ipfs);
    }

    /** As above, with {@code specJson} as the model spec (above: a placeholder no one reads). */
    static BigInteger create(
            Credentials owner,
            BigInteger start,
            int rounds,
            List<Credentials> committee,
            List<byte[]> sealKeys,
            int quorum,
            String specJson,
            KuboClient ipfs)
            throws Exception {
        byte[] spec =
                ipfs.add(specJson.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toBytes();
        byte[] initial = ipfs.add(new byte[] {1, 2, 3}).toBytes();
        var receipt =
                as(owner)
                        .createProject(
                                new Market.ProjectParams(
                                        DevKit.ETH,
                                        REWARD,
                                        STAKE,
                                        DevKit.ether("0.5"),
                                        DevKit.ether("0.2"),
                                        start,
                                        BigInteger.valueOf(600),
                                        BigInteger.valueOf(600),
                                        BigInteger.valueOf(rounds),
                                        BigInteger.TEN,
                                        BigInteger.valueOf(quorum),
                                        committee.stream().map(Credentials::getAddress).toList(),
                                        sealKeys,
                                        spec,
                                        initial),
                                REWARD.multiply(BigInteger.valueOf(rounds)))
                        .send();
        return Market.getProjectCreatedEvents(receipt).get(0).projectId;
    }

    /**
     * Each judged trainer submits random bytes' CID in the round; the evaluator posts a record
     * whose credits are {@code credits} (cumulative leaves) — consistent with the scores or not, as
     * the caller chooses — and the round settles. Returns the record's CID.
     */
    static Cid round(
            BigInteger project,
            long round,
            long opensAt,
            List<Judged> judged,
            List<CreditTree.Leaf> credits,
            Credentials evaluator,
            KuboClient ipfs)
            throws Exception {
        return round(project, round, opensAt, judged, credits, evaluator, ipfs, r -> {});
    }

    /** {@link #round}, with {@code edit} applied to the record before it is published. */
    static Cid round(
            BigInteger project,
            long round,
            long opensAt,
            List<Judged> judged,
            List<CreditTree.Leaf> credits,
            Credentials evaluator,
            KuboClient ipfs,
            java.util.function.Consumer<ObjectNode> edit)
            throws Exception {
        return round(
                project, round, opensAt, judged, null, credits, List.of(evaluator), ipfs, edit);
    }

    /**
     * {@link #round} where the trainers submit {@code payloads} (sealed updates, in {@code
     * judged}'s order; random bytes when null) and each of {@code posters} posts the result: the
     * round settles once they reach the quorum, and stays unsettled (void when the next one opens)
     * if they do not.
     */
    static Cid round(
            BigInteger project,
            long round,
            long opensAt,
            List<Judged> judged,
            List<byte[]> payloads,
            List<CreditTree.Leaf> credits,
            List<Credentials> posters,
            KuboClient ipfs,
            java.util.function.Consumer<ObjectNode> edit)
            throws Exception {
        var chain = ChainAndIpfs.chain;
        chain.mineAt(opensAt);
        List<String> cids = new ArrayList<>();
        Random random = new Random(project.longValue() * 100 + round);
        for (int i = 0; i < judged.size(); i++) {
            Judged j = judged.get(i);
            byte[] junk = new byte[64];
            random.nextBytes(junk);
            Cid c = ipfs.add(payloads == null ? junk : payloads.get(i));
            cids.add(c.toString());
            as(j.trainer()).submit(project, BigInteger.valueOf(round), c.toBytes()).send();
        }
        chain.mineAt(opensAt + 600);
        CreditTree tree = CreditTree.of(credits);
        String modelCid = ipfs.add(new byte[] {(byte) round, 5, 6}).toString();
        ObjectNode record = JSON.createObjectNode();
        record.put("format", "cohort-round/1")
                .put("project", project.toString())
                .put("round", round)
                .put("model-cid", modelCid)
                .put(
                        "onnx-cid",
                        ipfs.add(
                                        ("onnx of round " + round)
                                                .getBytes(java.nio.charset.StandardCharsets.UTF_8))
                                .toString());
        var subs = record.putArray("submissions");
        for (int i = 0; i < judged.size(); i++) {
            ObjectNode s =
                    subs.addObject()
                            .put("trainer", judged.get(i).trainer().getAddress())
                            .put("cid", cids.get(i))
                            .put("score-bps", judged.get(i).bps());
            if (judged.get(i).flag() != null) {
                s.put("flag", judged.get(i).flag());
            }
        }
        var leaves = record.putArray("credits");
        BigInteger credited = BigInteger.ZERO;
        BigInteger slashed = BigInteger.ZERO;
        for (CreditTree.Leaf l : credits) {
            leaves.addObject()
                    .put("trainer", l.trainer())
                    .put("credit", l.credit().toString())
                    .put("slash", l.slash().toString());
            credited = credited.add(l.credit());
            slashed = slashed.add(l.slash());
        }
        record.put("credits-root", tree.rootHex());
        record.putObject("policy-report")
                .put("validation-correct", 400 + round)
                .put("validation-total", 500);
        edit.accept(record);
        Cid report = ipfs.add(JSON.writeValueAsBytes(record));
        byte[] submissionsHash =
                as(posters.get(0))
                        .roundState(project, BigInteger.valueOf(round))
                        .send()
                        .component2();
        for (Credentials evaluator : posters) {
            as(evaluator)
                    .postResult(
                            project,
                            BigInteger.valueOf(round),
                            new Market.Result(
                                    tree.root(),
                                    credited,
                                    slashed,
                                    BigInteger.valueOf(credits.size()),
                                    submissionsHash,
                                    Cid.parse(modelCid).toBytes(),
                                    report.toBytes()))
                    .send();
        }
        return report;
    }
}
