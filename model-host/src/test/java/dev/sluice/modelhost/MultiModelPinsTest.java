package dev.sluice.modelhost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.modelhost.internal.MmePins;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The pin count that decides, exactly once, when a cached model may be unloaded. */
class MultiModelPinsTest {
    @Test
    void drainingAnIdleModelFreesItAtOnce() {
        MmePins pins = new MmePins();
        assertThat(pins.drain()).isEqualTo(MmePins.Drain.DRAINED_NOW);
        assertThat(pins.tryAcquire()).isFalse();
        assertThat(pins.drain()).isEqualTo(MmePins.Drain.ALREADY_DRAINING);
    }

    @Test
    void theLastReleaseOfADrainingModelReportsTheDrain() {
        MmePins pins = new MmePins();
        assertThat(pins.tryAcquire()).isTrue();
        assertThat(pins.tryAcquire()).isTrue();
        assertThat(pins.drain()).isEqualTo(MmePins.Drain.WAITING);
        assertThat(pins.tryAcquire()).isFalse();
        assertThat(pins.inFlight()).isEqualTo(2);
        assertThat(pins.release()).isFalse();
        assertThat(pins.release()).isTrue();
        assertThat(pins.inFlight()).isZero();
    }

    @Test
    void releasesWithoutDrainingNeverReportADrain() {
        MmePins pins = new MmePins();
        pins.tryAcquire();
        assertThat(pins.release()).isFalse();
        assertThatThrownBy(pins::release).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void evictionOnlyRetiresAnIdleModel() {
        MmePins pins = new MmePins();
        pins.tryAcquire();
        assertThat(pins.tryRetireIdle()).isFalse();
        pins.release();
        assertThat(pins.tryRetireIdle()).isTrue();
        assertThat(pins.isDraining()).isTrue();
        assertThat(pins.tryAcquire()).isFalse();
    }

    @Test
    void underContentionExactlyOnePartySeesTheDrain() throws Exception {
        for (int round = 0; round < 200; round++) {
            MmePins pins = new MmePins();
            AtomicInteger drains = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            Thread[] users = new Thread[4];
            for (int i = 0; i < users.length; i++) {
                users[i] = Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int n = 0; n < 100; n++) {
                        if (pins.tryAcquire() && pins.release()) {
                            drains.incrementAndGet();
                        }
                    }
                });
            }
            start.countDown();
            if (pins.drain() == MmePins.Drain.DRAINED_NOW) {
                drains.incrementAndGet();
            }
            for (Thread user : users) {
                user.join();
            }
            assertThat(drains).as("round " + round).hasValue(1);
            assertThat(pins.inFlight()).isZero();
        }
    }
}
