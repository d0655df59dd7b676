package io.cohort.marketplace.api;

import io.cohort.marketplace.auth.AuthResource;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The methods each path of the API answers, read from the resources' annotations, for the {@code
 * Allow} header a 405 must carry (RFC 9110, 15.5.6): the framework's own 405 names none.
 */
final class AllowedMethods {

    private static final List<Class<?>> RESOURCES =
            List.of(ProjectsResource.class, TrainersResource.class, AuthResource.class);

    /** Path template as a pattern → the methods it answers, HEAD with GET, and OPTIONS. */
    private static final Map<Pattern, String> ROUTES = routes();

    private AllowedMethods() {}

    private static Map<Pattern, String> routes() {
        Map<String, TreeSet<String>> byTemplate = new LinkedHashMap<>();
        for (Class<?> resource : RESOURCES) {
            String base = resource.getAnnotation(Path.class).value();
            for (Method m : resource.getDeclaredMethods()) {
                String verb = verb(m);
                if (verb == null) {
                    continue;
                }
                Path sub = m.getAnnotation(Path.class);
                String template = join(base, sub == null ? "" : sub.value());
                TreeSet<String> methods =
                        byTemplate.computeIfAbsent(template, t -> new TreeSet<>());
                methods.add(verb);
                if (verb.equals(HttpMethod.GET)) {
                    methods.add(HttpMethod.HEAD);
                }
                methods.add(HttpMethod.OPTIONS);
            }
        }
        Map<Pattern, String> routes = new LinkedHashMap<>();
        byTemplate.forEach(
                (template, methods) ->
                        routes.put(
                                Pattern.compile(
                                        template.replaceAll("\\{[^/}]+}", "[^/]+")
                                                .replace(".", "\\.")),
                                String.join(", ", methods)));
        return routes;
    }

    private static String verb(Method m) {
        for (Annotation a : m.getAnnotations()) {
            HttpMethod h = a.annotationType().getAnnotation(HttpMethod.class);
            if (h != null) {
                return h.value();
            }
        }
        return null;
    }

    private static String join(String base, String sub) {
        String path = ("/" + base + "/" + sub).replaceAll("/+", "/");
        return path.length() > 1 && path.endsWith("/")
                ? path.substring(0, path.length() - 1)
                : path;
    }

    /** The methods {@code path} answers, as an {@code Allow} value; empty for a path it lacks. */
    static Optional<String> of(String path) {
        String p = join(path == null ? "" : path, "");
        for (Map.Entry<Pattern, String> r : ROUTES.entrySet()) {
            if (r.getKey().matcher(p).matches()) {
                return Optional.of(r.getValue());
            }
        }
        return Optional.empty();
    }
}
