package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.engine.ApiVersion;
import io.imaged.error.ImagedException;
import io.imaged.events.Event;
import io.imaged.events.EventBus;
import io.imaged.events.EventFilter;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /events} after moby's getEvents: the buffered events between since and until, then, unless
 * until has passed, live events until until (or until the client goes away, or imaged stops), one JSON object
 * per line.
 */
@RestController
@Tag(name = "System")
public class EventsController {
    private final EventBus bus;
    private final EventStreams streams;
    private final ObjectMapper json;

    public EventsController(EventBus bus, EventStreams streams, ObjectMapper json) {
        this.bus = bus;
        this.streams = streams;
        this.json = json;
    }

    /**
     * Checks the request, then hands the answer to {@link EventStreams}: the worker thread returns at once and the
     * stream holds no thread while it waits for events.
     */
    @Operation(summary = "Monitor events")
    @GetMapping("/events")
    public void events(@RequestParam(required = false) String since, @RequestParam(required = false) String until,
                       @RequestParam(required = false) String filters, HttpServletRequest request,
                       HttpServletResponse response) throws IOException {
        ApiVersion version = ApiPathFilter.versionOf(request);
        long sinceNano = parseTime(since);
        long untilNano = parseTime(until);
        if (given(until) && untilNano < sinceNano) {
            throw ImagedException.invalid("`since` time (" + since + ") cannot be after `until` time (" + until + ")");
        }
        EventFilter filter = EventFilter.parse(json, filters);
        long now = System.currentTimeMillis() * 1_000_000L;
        boolean onlyPast = given(until) && untilNano < now;

        response.setStatus(200);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        AsyncContext ctx = request.startAsync(request, response);
        ctx.setTimeout(0);
        EventStream stream = streams.open(ctx, response.getOutputStream(), version);
        EventBus.Subscription sub = bus.subscribe(e -> {
            if (!filter.test(e)) return;
            if (given(until) && e.timeNano() > untilNano) stream.finish();
            else stream.sendLive(e);
        });
        stream.onEnd(sub::close);
        // any since or until (even 0, which is 1970 and not "unset") replays the ring, as moby's loadBufferedEvents
        if (given(since) || given(until)) {
            for (Event e : sub.past()) {
                if (e.timeNano() < sinceNano) continue;
                if (given(until) && e.timeNano() > untilNano) continue;
                if (filter.test(e)) stream.send(e);
            }
        }
        stream.replayDone();
        if (onlyPast) stream.finish();
        else if (given(until)) stream.finishAfter((untilNano - now) / 1_000_000L);
    }

    private static boolean given(String time) {
        return time != null && !time.isEmpty();
    }

    /**
     * Docker's events.Message, including the deprecated status/id fields dockerd still sends for images. Below API
     * 1.22 an event was only {@code status}, {@code id} and {@code time} ({@code timeNano} from 1.21), as those
     * versions document it; Type, Action and Actor came with 1.22.
     */
    static Map<String, Object> toJson(Event e, ApiVersion version) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", e.action());
        if (!e.actorId().isEmpty()) m.put("id", e.actorId());
        if (version.lessThan("1.22")) {
            m.put("time", e.time());
            if (version.atLeast("1.21")) m.put("timeNano", e.timeNano());
            return m;
        }
        m.put("Type", e.type());
        m.put("Action", e.action());
        Map<String, Object> actor = new LinkedHashMap<>();
        actor.put("ID", e.actorId());
        actor.put("Attributes", e.attributes());
        m.put("Actor", actor);
        m.put("scope", "local");
        m.put("time", e.time());
        m.put("timeNano", e.timeNano());
        return m;
    }

    /** moby's timetypes.ParseTimestamps: {@code seconds[.nanoseconds]}; empty is 0. */
    static long parseTime(String value) {
        if (value == null || value.isEmpty()) return 0;
        String[] parts = value.split("\\.", 2);
        long sec;
        long nano = 0;
        try {
            sec = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            throw ImagedException.system("strconv.ParseInt: parsing \"" + parts[0] + "\": invalid syntax");
        }
        if (parts.length == 2) {
            try {
                long n = Long.parseLong(parts[1]);
                nano = (long) (n * Math.pow(10, 9 - parts[1].length()));
            } catch (NumberFormatException e) {
                throw ImagedException.system("strconv.ParseInt: parsing \"" + parts[1] + "\": invalid syntax");
            }
        }
        return sec * 1_000_000_000L + nano;
    }
}
