package io.cohort.node.app;

import io.cohort.node.round.Standing;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the running node is doing, for {@code GET /status} and the health checks: written by the run
 * loop, read by HTTP threads.
 */
@ApplicationScoped
public class NodeState {

    /** One project as the loop last saw it. */
    public record ProjectStatus(
            String project,
            long round,
            int rounds,
            String lastAction,
            String lastError,
            boolean done,
            Instant updated) {}

    /** The whole status document. */
    public record Status(
            String role,
            String address,
            String market,
            boolean running,
            Instant lastTick,
            boolean chainReachable,
            boolean ipfsReachable,
            List<ProjectStatus> projects) {}

    /** Where {@code GET /proofs} gets a trainer's standing; set while an evaluator runs. */
    @FunctionalInterface
    public interface ProofSource {
        Optional<Standing> standing(BigInteger project, String trainer) throws IOException;
    }

    private volatile ProofSource proofs;
    private String role = "none";
    private String address;
    private String market;
    private boolean running;
    private Instant lastTick;
    private boolean chainReachable;
    private boolean ipfsReachable;
    private final Map<String, ProjectStatus> projects = new TreeMap<>();

    synchronized void started(String role, String address, String market) {
        this.role = role;
        this.address = address;
        this.market = market;
        this.running = true;
    }

    synchronized void stopped() {
        running = false;
        proofs = null;
    }

    void serveProofs(ProofSource source) {
        this.proofs = source;
    }

    /** Empty while this node is not running as an evaluator. */
    Optional<ProofSource> proofs() {
        return Optional.ofNullable(proofs);
    }

    synchronized void tick(boolean chain, boolean ipfs) {
        lastTick = Instant.now();
        chainReachable = chain;
        ipfsReachable = ipfs;
    }

    synchronized void project(
            String project, long round, int rounds, String action, String error, boolean done) {
        ProjectStatus before = projects.get(project);
        String lastAction = action != null ? action : before == null ? null : before.lastAction();
        projects.put(
                project,
                new ProjectStatus(project, round, rounds, lastAction, error, done, Instant.now()));
    }

    public synchronized Status status() {
        return new Status(
                role,
                address,
                market,
                running,
                lastTick,
                chainReachable,
                ipfsReachable,
                List.copyOf(projects.values()));
    }
}
