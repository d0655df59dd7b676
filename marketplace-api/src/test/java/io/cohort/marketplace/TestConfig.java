package io.cohort.marketplace;

import java.lang.reflect.Proxy;
import java.util.Map;

/** Configuration interfaces answered from a map, for tests that build a bean by hand. */
public final class TestConfig {

    private TestConfig() {}

    /**
     * A {@code type} whose methods answer {@code values} by name; any other method throws, so a
     * test notices a setting it did not expect to be read.
     */
    public static <T> T of(Class<T> type, Map<String, Object> values) {
        return type.cast(
                Proxy.newProxyInstance(
                        type.getClassLoader(),
                        new Class<?>[] {type},
                        (p, method, args) -> {
                            if (!values.containsKey(method.getName())) {
                                throw new UnsupportedOperationException(method.getName());
                            }
                            return values.get(method.getName());
                        }));
    }
}
