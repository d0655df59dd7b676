package io.cohort.node.round;

import io.cohort.contracts.CreditTree;
import io.cohort.contracts.RoundRecords;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A trainer's leaf in the credits tree of a project's latest settled round, with the tree: what a
 * claim or a stake withdrawal proves. Built from the round's record on IPFS and checked against the
 * root the chain settled, so whoever serves it (a trainer for itself, an evaluator for anyone)
 * cannot serve a wrong one.
 *
 * @param round the latest settled round
 * @param tree its credits tree
 * @param leaf the trainer's cumulative credit and slash
 */
public record Standing(long round, CreditTree tree, CreditTree.Leaf leaf) {

    /** The leaf's Merkle proof. */
    public List<byte[]> proof() {
        return tree.proof(leaf.trainer());
    }

    /**
     * The trainer's standing after the latest settled round; empty if no round settled or the
     * trainer is not in its tree.
     *
     * @throws IOException if the record cannot be read or does not build the settled root
     */
    public static Optional<Standing> latest(
            MarketClient market, ContentStore ipfs, BigInteger project, String trainer)
            throws IOException {
        var settled = market.settled(project);
        if (settled.isEmpty()) {
            return Optional.empty();
        }
        var last = settled.get(settled.size() - 1);
        byte[] record = ipfs.readAllBytes(Cid.fromBytes(last.reportCid()), RoundRecords.MAX_BYTES);
        List<CreditTree.Leaf> leaves = RoundRecord.credits(record);
        CreditTree tree = CreditTree.of(leaves);
        if (!Arrays.equals(tree.root(), last.creditsRoot())) {
            throw new IOException(
                    "round " + last.round() + "'s record does not build the settled credits root");
        }
        return leaves.stream()
                .filter(l -> l.trainer().equalsIgnoreCase(trainer))
                .findFirst()
                .map(l -> new Standing(last.round(), tree, l));
    }
}
