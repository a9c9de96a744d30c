package io.imaged.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;
import org.springframework.web.context.request.async.WebAsyncUtils;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import java.util.concurrent.Callable;

/**
 * An async request ({@link LongRequests}) that the container fails after its answer has been produced. Tomcat sees
 * a stalled upload twice, from the one read timeout: the reading thread's blocking read throws (LongRequests turns
 * that into the 400 and hands it to Spring), and the poller, which still has the socket registered for reading,
 * fails the async request. When the poller comes second, Spring already holds the answer and does nothing with the
 * error; Tomcat then takes the request for an unanswered error and forwards it to {@code /error}, which fails on
 * the committed 400 ("Cannot forward after response has been committed", logged with a stack trace).
 * <p>
 * So an error that arrives once the answer exists and has been sent completes the request: what the client got
 * is settled. An error that comes before any answer is left to Spring, which dispatches it to
 * {@link ApiExceptionHandler}; one that comes before the answer is sent, to Tomcat's error page
 * ({@link ErrorEndpoint}). (Spring's own handler would not help here: it ignores errors after a result.)
 */
@Configuration
public class LateAsyncErrors implements WebMvcConfigurer, CallableProcessingInterceptor {

    @Override
    public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
        configurer.registerCallableInterceptors(this);
    }

    @Override
    public <T> Object handleError(NativeWebRequest request, Callable<T> task, Throwable t) {
        HttpServletRequest req = request.getNativeRequest(HttpServletRequest.class);
        HttpServletResponse res = request.getNativeResponse(HttpServletResponse.class);
        // both: with no result Spring dispatches the error itself; with an uncommitted response Tomcat's error page
        // is the answer (a malformed chunked body is reported that way, after the reading thread's result)
        boolean answered = WebAsyncUtils.getAsyncManager(request).hasConcurrentResult() && res != null && res.isCommitted();
        if (answered && req != null) {
            try {
                req.getAsyncContext().complete();
            } catch (IllegalStateException alreadyEnded) {
                // completed meanwhile: nothing to do
            }
        }
        return RESULT_NONE;
    }
}
