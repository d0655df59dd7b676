package io.cohort.node.round;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.ModelWeights;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code G_r} of a project as every node derives it from the chain and IPFS: the model of the
 * latest round before r that settled, or the owner's initial model. Content is verified against its
 * CID block by block as it is read, and the weights against the spec's layout.
 *
 * @param spec the project's model spec
 * @param parameters {@code G_r}, flat
 * @param cid where {@code G_r} came from
 * @param previousReport the record of the latest round before r that settled (it holds the credits
 *     so far), or null
 */
public record GlobalModel(ModelSpec spec, float[] parameters, Cid cid, Cid previousReport) {

    /** Largest model spec read (JSON). */
    static final int MAX_SPEC_BYTES = 1 << 20;

    /** Largest model file read (safetensors). */
    static final int MAX_MODEL_BYTES = 256 << 20;

    /** The project's model spec, read from IPFS by the CID on the chain. */
    public static ModelSpec spec(ContentStore ipfs, MarketClient.Project p) throws IOException {
        return ModelSpec.parse(
                new String(
                        ipfs.readAllBytes(Cid.fromBytes(p.modelSpecCid()), MAX_SPEC_BYTES),
                        StandardCharsets.UTF_8));
    }

    /** Loads {@code G_round} of the project {@code p} (as {@link MarketClient#project} read it). */
    public static GlobalModel load(
            MarketClient market, ContentStore ipfs, MarketClient.Project p, long round)
            throws IOException {
        ModelSpec spec = spec(ipfs, p);
        var last = market.lastSettledBefore(p.id(), round);
        Cid model = Cid.fromBytes(last.isPresent() ? last.get().modelCid() : p.initialModelCid());
        Cid report = last.isPresent() ? Cid.fromBytes(last.get().reportCid()) : null;
        float[] weights;
        try (DjlModel m = DjlModel.create(spec)) {
            weights = ModelWeights.read(ipfs.readAllBytes(model, MAX_MODEL_BYTES), m.layout());
        } catch (IllegalArgumentException e) {
            throw new IOException(
                    "the global model " + model + " does not fit the spec: " + e.getMessage(), e);
        }
        return new GlobalModel(spec, weights, model, report);
    }
}
