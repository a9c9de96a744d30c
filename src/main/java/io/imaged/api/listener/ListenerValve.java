package io.imaged.api.listener;

import jakarta.servlet.ServletException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;

import java.io.IOException;

/**
 * Marks each request with the {@link Listener} it came through. Only Tomcat knows the connector of a request;
 * a servlet filter sees addresses, and a unix-socket connection has none it could trust.
 */
final class ListenerValve extends ValveBase {
    ListenerValve() {
        super(true); // async requests (events, pull progress) pass through here too
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        Connector connector = request.getConnector();
        boolean unix = connector.getProperty("unixDomainSocketPath") != null;
        boolean tls = request.isSecure() || Boolean.TRUE.equals(connector.getProperty("SSLEnabled"));
        request.setAttribute(Listener.ATTRIBUTE, new Listener(unix, tls));
        getNext().invoke(request, response);
    }
}
