package io.imaged.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The raw-query checks of Go's url.ParseQuery, with the words dockerd answers (checked against dockerd 20.10). */
class GoQueryTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "OK", value = {
            "repo=y&tag=%zz                | invalid URL escape \"%zz\"",
            "repo=y%4                      | invalid URL escape \"%4\"",
            "repo=y%                       | invalid URL escape \"%\"",
            "%g1=x                         | invalid URL escape \"%g1\"",
            "a=%zz&b=%yy                   | invalid URL escape \"%zz\"",
            "a=%zz&b=1;c=2                 | invalid semicolon separator in query",
            "a=1;b=2&c=%zz                 | invalid semicolon separator in query",
            "repo=y&tag=v%31               | OK",
            "repo=a+b&x=%2F%2f             | OK",
            "&&a=&=b&                      | OK",
            "names=busybox%00              | OK",
    })
    void queriesAreCheckedAsGoParsesThem(String query, String error) {
        assertThat(GoQuery.error(query)).isEqualTo(error);
    }

    @Test
    void theEscapeIsQuotedAsStrconvQuoteDoes() {
        assertThat(GoQuery.escapeError("%\u0001x")).isEqualTo("invalid URL escape \"%\\x01x\"");
        assertThat(GoQuery.escapeError("%\"a")).isEqualTo("invalid URL escape \"%\\\"a\"");
        assertThat(GoQuery.escapeError("ok%41")).isNull();
    }
}
