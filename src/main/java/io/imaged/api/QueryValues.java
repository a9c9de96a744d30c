package io.imaged.api;

import jakarta.servlet.http.HttpServletRequest;

import java.util.List;

/** Every value of a repeated query parameter exactly as sent, as Go's {@code r.Form[name]}. */
final class QueryValues {
    private QueryValues() {
    }

    static List<String> all(HttpServletRequest request, String name) {
        String[] values = request.getParameterValues(name);
        return values == null ? List.of() : List.of(values);
    }
}
