package io.imaged.registry;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.LongConsumer;

/**
 * Counts the bytes of request and answer bodies as the JDK client hands them over, whatever the body's type (a
 * stream, a byte array, nothing), so that {@link AuthorizedTransport} counts every exchange in one place.
 */
final class CountingBodies {
    private CountingBodies() {
    }

    /** Answer bodies: each buffer as it arrives from the connection. */
    static <T> HttpResponse.BodyHandler<T> received(HttpResponse.BodyHandler<T> handler, LongConsumer count) {
        return info -> {
            HttpResponse.BodySubscriber<T> s = handler.apply(info);
            return new HttpResponse.BodySubscriber<>() {
                @Override
                public CompletionStage<T> getBody() {
                    return s.getBody();
                }

                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    s.onSubscribe(subscription);
                }

                @Override
                public void onNext(List<ByteBuffer> items) {
                    long n = 0;
                    for (ByteBuffer b : items) n += b.remaining();
                    if (n > 0) count.accept(n);
                    s.onNext(items);
                }

                @Override
                public void onError(Throwable t) {
                    s.onError(t);
                }

                @Override
                public void onComplete() {
                    s.onComplete();
                }
            };
        };
    }

    /** A request body: each buffer as the client takes it to send (a body cut short counts what went). */
    static HttpRequest.BodyPublisher sent(HttpRequest.BodyPublisher publisher, LongConsumer count) {
        return new HttpRequest.BodyPublisher() {
            @Override
            public long contentLength() {
                return publisher.contentLength();
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
                publisher.subscribe(new Flow.Subscriber<ByteBuffer>() {
                    @Override
                    public void onSubscribe(Flow.Subscription subscription) {
                        subscriber.onSubscribe(subscription);
                    }

                    @Override
                    public void onNext(ByteBuffer item) {
                        int n = item.remaining();
                        if (n > 0) count.accept(n);
                        subscriber.onNext(item);
                    }

                    @Override
                    public void onError(Throwable t) {
                        subscriber.onError(t);
                    }

                    @Override
                    public void onComplete() {
                        subscriber.onComplete();
                    }
                });
            }
        };
    }
}
