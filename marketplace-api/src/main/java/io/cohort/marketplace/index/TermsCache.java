package io.cohort.marketplace.index;

import io.cohort.marketplace.JsonLines;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Projects' terms as the contract's views gave them, kept in {@code terms.jsonl} beside the event
 * log. Terms never change once a project is created, so a restarted marketplace replays its log
 * from this file without asking the chain: it starts while the chain's RPC is down, and a replay of
 * many projects costs no round trips. One JSON object per line ({@link JsonLines}).
 */
final class TermsCache implements MarketIndex.TermsSource {

    static final String FILE = "terms.jsonl";

    private static final long MAX_BYTES = 256L << 20;

    /** One line: a project and its terms. */
    record Line(String project, MarketIndex.Terms terms) {}

    private final Path file;
    private final MarketIndex.TermsSource chain;
    private final Map<BigInteger, MarketIndex.Terms> known = new ConcurrentHashMap<>();

    private TermsCache(Path file, MarketIndex.TermsSource chain) {
        this.file = file;
        this.chain = chain;
    }

    /** The cache in {@code dir}, asking {@code chain} for terms it does not hold. */
    static TermsCache open(Path dir, MarketIndex.TermsSource chain) throws IOException {
        TermsCache cache = new TermsCache(dir.resolve(FILE), chain);
        JsonLines.read(
                cache.file,
                MAX_BYTES,
                Line.class,
                "project's terms",
                (l, line) -> {
                    if (l.project() == null || l.terms() == null || l.terms().committee() == null) {
                        throw new IOException(
                                cache.file + " line " + line + " lacks project or terms");
                    }
                    cache.known.put(new BigInteger(l.project()), l.terms());
                });
        return cache;
    }

    /** The project's terms: from the file, else from the chain (then kept). */
    @Override
    public MarketIndex.Terms terms(BigInteger project) throws IOException {
        MarketIndex.Terms t = known.get(project);
        if (t != null) {
            return t;
        }
        t = chain.terms(project);
        keep(project, t);
        return t;
    }

    /**
     * Keeps only the terms of {@code projects}, those whose creation the event log still holds
     * after a reorganisation dropped logs: the others' ids may come again for other projects.
     * Idempotent, so a rewind that a crash cut short can be done again.
     */
    synchronized void retainOnly(java.util.Collection<BigInteger> projects) throws IOException {
        if (projects.containsAll(known.keySet())) {
            return;
        }
        known.keySet().retainAll(projects);
        java.util.List<Line> lines = new java.util.ArrayList<>();
        known.forEach((id, t) -> lines.add(new Line(id.toString(), t)));
        JsonLines.rewrite(file, lines);
    }

    private synchronized void keep(BigInteger project, MarketIndex.Terms t) throws IOException {
        if (known.containsKey(project)) {
            return;
        }
        JsonLines.append(file, new Line(project.toString(), t));
        known.put(project, t);
    }
}
