package io.imaged.transfer;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class TransferSlotsTest {

    @Test
    void firstComersStartAndTheOthersAreGrantedInOrder() throws Exception {
        TransferSlots slots = new TransferSlots(2);
        TransferSlots.Slot a = slots.take(), b = slots.take(), c = slots.take(), d = slots.take();
        assertThat(a.ready()).isTrue();
        assertThat(b.ready()).isTrue();
        assertThat(c.ready()).isFalse();
        assertThat(d.ready()).isFalse();
        assertThat(slots.waiting()).isEqualTo(2);

        b.close();
        assertThat(c.ready()).isTrue();
        assertThat(d.ready()).isFalse();
        b.close(); // idempotent: does not free a second slot
        assertThat(d.ready()).isFalse();
        a.close();
        assertThat(d.ready()).isTrue();
        c.close();
        d.close();
        assertThat(slots.active()).isZero();
        assertThat(slots.take().ready()).isTrue();
    }

    @Test
    void aQueuedSlotGivenUpWakesItsWaiterAndLeavesTheQueue() throws Exception {
        TransferSlots slots = new TransferSlots(1);
        TransferSlots.Slot running = slots.take();
        TransferSlots.Slot queued = slots.take();
        TransferSlots.Slot behind = slots.take();
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return queued.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        queued.abandonIfQueued();
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isFalse();
        running.abandonIfQueued(); // granted: left to its user
        assertThat(slots.active()).isEqualTo(1);
        running.close();
        assertThat(behind.ready()).isTrue(); // the abandoned slot was skipped
        assertThat(behind.await()).isTrue();
        queued.close();
        behind.close();
        assertThat(slots.active()).isZero();
        assertThat(slots.waiting()).isZero();
    }
}
