package io.imaged.api;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;

import java.io.IOException;

/**
 * Lets a thread of imaged's own wait until Tomcat's container thread has let go of the request that handed it over
 * (see {@link LongRequests}). An upload's body must not be read before that: Tomcat reports a failed read not only to
 * the reader but also to the request — it sets {@code jakarta.servlet.error.exception} and sends a 400 — and a
 * container thread still leaving the request looks at both. It then forwards to the error page in the middle of the
 * async start (Spring's async state for the request is replaced by the error page's) and raises an async error that
 * nobody can dispatch any more ("AsyncContext not yet initialized"): Tomcat logs "Calling [asyncPostProcess()] is not
 * valid for a request with Async state [MUST_ERROR]" and closes the connection, the answer sometimes a 400 without a
 * body or a 500 (105 times in 800 malformed uploads, 12 of them with such an answer).
 * <p>
 * The container thread holds its connection's lock for as long as it processes an event of that connection, and
 * Tomcat's {@code DISPATCH_EXECUTE} action takes that lock (Tomcat uses it for the same purpose: to act only once the
 * thread that started async processing is done). With no non-blocking listener registered it does nothing else.
 * Installed on the engine by {@code listener.ListenerConfiguration}; without it (MockMvc) the wait is a no-op.
 */
public final class ContainerHandOffValve extends ValveBase {
    private static final String ATTRIBUTE = ContainerHandOffValve.class.getName();
    private static final Runnable NONE = () -> { };

    public ContainerHandOffValve() {
        super(true); // async dispatches pass through here too
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        if (request.getAttribute(ATTRIBUTE) == null) {
            org.apache.coyote.Request coyote = request.getCoyoteRequest();
            request.setAttribute(ATTRIBUTE, (Runnable) () -> coyote.action(ActionCode.DISPATCH_EXECUTE, null));
        }
        getNext().invoke(request, response);
    }

    /**
     * Taken on the container thread; run on another, it returns once the container thread has left {@code request}'s
     * current dispatch (at once if it has already).
     */
    static Runnable awaitingContainer(HttpServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof Runnable r ? r : NONE;
    }
}
