package io.imaged.registry;

import com.fasterxml.jackson.databind.ObjectMapper;

/** What every exchange of a session works with: the endpoint, the repository, the authorised transport, retries. */
abstract class RegistryExchange {
    protected final RegistryEndpoint endpoint;
    protected final String repo;
    protected final AuthorizedTransport transport;
    protected final Retrying retrying;
    protected final ObjectMapper json;

    RegistryExchange(RegistryEndpoint endpoint, String repo, AuthorizedTransport transport, Retrying retrying, ObjectMapper json) {
        this.endpoint = endpoint;
        this.repo = repo;
        this.transport = transport;
        this.retrying = retrying;
        this.json = json;
    }
}
