package io.imaged.api;

import io.imaged.engine.ApiVersion;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The title block of the OpenAPI document springdoc serves at /v3/api-docs (committed as openapi/imaged.json). */
@Configuration
public class OpenApiConfiguration {
    static {
        // long requests return a WebAsyncTask (see LongRequests): document what it yields, not the task object
        org.springdoc.core.utils.SpringDocUtils.getConfig()
                .addResponseWrapperToIgnore(org.springframework.web.context.request.async.WebAsyncTask.class);
    }

    @Bean
    OpenAPI imagedOpenApi() {
        return new OpenAPI().info(new Info()
                .title("imaged")
                .version(ApiVersion.MAX.toString())
                .description("The image part of the Docker Engine API (v" + ApiVersion.MAX + ", every version from v"
                        + ApiVersion.OLDEST + " under /v1.xx/ too; imaged.min-api-version raises the floor), served "
                        + "without a container runtime. Errors are {\"message\": \"...\"} as in dockerd (plain text "
                        + "under /v1.23/ and older, as dockerd answers those clients).")
                .license(new License().name("Apache-2.0").url("https://www.apache.org/licenses/LICENSE-2.0")));
    }
}
