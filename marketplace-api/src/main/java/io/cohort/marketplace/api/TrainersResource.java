package io.cohort.marketplace.api;

import io.cohort.contracts.CreditTree;
import io.cohort.contracts.RoundRecords;
import io.cohort.marketplace.index.Indexer;
import io.cohort.marketplace.index.MarketIndex;
import io.cohort.marketplace.index.ProjectView;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A trainer across projects: registrations, submissions, credits, claims, slashes. */
@Path("/trainers")
@Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
@Tag(name = "trainers")
public class TrainersResource {

    @Inject Indexer indexer;
    @Inject Records records;

    /**
     * One project of the trainer.
     *
     * @param credit cumulative credit after the latest settled round (from its record)
     * @param slash cumulative slash after it
     * @param stakeReturned the stake minus its slash, once settled ({@code stakeWithdrawn})
     * @param stakeOwed what of it the market keeps because the trainer's address refused the
     *     payment, until {@code collectStake} pays it (zero otherwise)
     */
    public record Participation(
            String project,
            int index,
            int submissions,
            BigInteger stake,
            BigInteger credit,
            BigInteger slash,
            BigInteger claimed,
            boolean stakeWithdrawn,
            BigInteger stakeReturned,
            BigInteger stakeOwed) {}

    /**
     * A page of the trainer's projects, in project id order: each needs its project's latest record
     * read from IPFS, so a trainer in many projects is read a page at a time.
     *
     * @param total how many projects the trainer registered in
     */
    public record TrainerView(
            String address, List<Participation> projects, int page, int size, int total) {}

    @GET
    @Path("/{address}")
    @Operation(summary = "A trainer's projects, credits, claims and slashes, a page at a time")
    public TrainerView trainer(@PathParam("address") String address, @BeanParam Paging paging) {
        if (!address.matches("0x[0-9a-fA-F]{40}")) {
            throw Problem.badRequest("'" + address + "' is not an address (0x and 40 hex digits)");
        }
        int page = paging.page();
        int size = paging.size();
        List<ProjectView.TrainerProject> all =
                indexer.index().read(ix -> ProjectView.trainer(ix, address));
        if (all.isEmpty()) {
            throw Problem.notFound(address + " has not registered in any project");
        }
        List<ProjectView.TrainerProject> mine = Paging.slice(all, page, size);
        List<Participation> out = new ArrayList<>();
        for (ProjectView.TrainerProject tp : mine) {
            BigInteger credit = BigInteger.ZERO;
            BigInteger slash = BigInteger.ZERO;
            if (tp.latestReportCid() != null) {
                List<CreditTree.Leaf> leaves;
                try {
                    leaves = RoundRecords.credits(records.record(tp.latestReportCid()));
                } catch (RoundRecords.Malformed e) {
                    throw new Problem(
                            502,
                            "Malformed record",
                            "project "
                                    + tp.project()
                                    + "'s latest record "
                                    + tp.latestReportCid()
                                    + " is malformed: "
                                    + e.getMessage());
                }
                for (CreditTree.Leaf l : leaves) {
                    if (l.trainer().equalsIgnoreCase(address)) {
                        credit = l.credit();
                        slash = l.slash();
                    }
                }
            }
            MarketIndex.TrainerStanding s = tp.standing();
            out.add(
                    new Participation(
                            tp.project(),
                            s.index(),
                            tp.submissions(),
                            s.stake(),
                            credit,
                            slash,
                            s.claimed(),
                            s.stakeWithdrawn(),
                            s.stakeReturned(),
                            s.stakeOwed()));
        }
        return new TrainerView(address.toLowerCase(), out, page, size, all.size());
    }
}
