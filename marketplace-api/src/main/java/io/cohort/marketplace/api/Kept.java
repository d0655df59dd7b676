package io.cohort.marketplace.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Answers worth keeping between requests, at most a bound of them, the least recently used go. */
final class Kept {

    private Kept() {}

    /** A thread-safe map of at most {@code max} entries, dropping the least recently used. */
    static <K, V> Map<K, V> atMost(int max) {
        return Collections.synchronizedMap(
                new LinkedHashMap<>(16, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                        return size() > max;
                    }
                });
    }
}
