package io.cohort.node.round;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.ModelWeights;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * {@code G_r} of a project as every node derives it from the chain and IPFS: the model of the
 * latest round before r that settled, or the owner's initial model. Content is verified against its
 * CID block by block as it is read, and the weights against the spec's layout.
 *
 * @param spec the project's model spec
 * @param parameters {@code G_r}, flat
 * @param cid where {@code G_r} came from
 * @param settledRounds how many rounds before r settled (its report holds the credits so far)
 * @param previousReport the report of the latest settled round, or null
 */
public record GlobalModel(
        ModelSpec spec, float[] parameters, Cid cid, int settledRounds, Cid previousReport) {

    /** Largest model spec read (JSON). */
    static final int MAX_SPEC_BYTES = 1 << 20;

    /** Largest model file read (safetensors). */
    static final int MAX_MODEL_BYTES = 256 << 20;

    /** Loads {@code G_round} of {@code project}. */
    public static GlobalModel load(
            MarketClient market, ContentStore ipfs, BigInteger project, long round)
            throws IOException {
        MarketClient.Project p = market.project(project);
        ModelSpec spec =
                ModelSpec.parse(
                        new String(
                                ipfs.readAllBytes(Cid.fromBytes(p.modelSpecCid()), MAX_SPEC_BYTES),
                                StandardCharsets.UTF_8));
        var settled = market.settled(project).stream().filter(s -> s.round() < round).toList();
        Cid model;
        Cid report = null;
        if (settled.isEmpty()) {
            model = Cid.fromBytes(p.initialModelCid());
        } else {
            var last = settled.get(settled.size() - 1);
            model = Cid.fromBytes(last.modelCid());
            report = Cid.fromBytes(last.reportCid());
        }
        float[] weights;
        try (DjlModel m = DjlModel.create(spec)) {
            weights = ModelWeights.read(ipfs.readAllBytes(model, MAX_MODEL_BYTES), m.layout());
        } catch (IllegalArgumentException e) {
            throw new IOException(
                    "the global model " + model + " does not fit the spec: " + e.getMessage(), e);
        }
        return new GlobalModel(spec, weights, model, settled.size(), report);
    }
}
