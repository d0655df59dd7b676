package io.cohort.marketplace.api;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.QueryParam;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/**
 * The {@code page} and {@code size} query parameters of a list answered a page at a time: page from
 * 0, size 1 to {@value #MAX_SIZE} (20 by default). Strings, so that a malformed number is this
 * API's 400 naming the parameter, not the framework's 404.
 */
public class Paging {

    /** The largest page. */
    static final int MAX_SIZE = 100;

    @QueryParam("page")
    @DefaultValue("0")
    @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "0"))
    public String page;

    @QueryParam("size")
    @DefaultValue("20")
    @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "" + MAX_SIZE))
    public String size;

    /**
     * The page asked for.
     *
     * @throws Problem 400 naming the parameter
     */
    int page() {
        return ProjectsResource.integer(page, "page", 0, Integer.MAX_VALUE);
    }

    /**
     * The size asked for.
     *
     * @throws Problem 400 naming the parameter
     */
    int size() {
        return ProjectsResource.integer(size, "size", 1, MAX_SIZE);
    }

    /** Page {@code page} of {@code size} items of {@code all} (empty past its end). */
    static <T> List<T> slice(List<T> all, int page, int size) {
        int from = (int) Math.min((long) page * size, all.size());
        return all.subList(from, Math.min(from + size, all.size()));
    }
}
