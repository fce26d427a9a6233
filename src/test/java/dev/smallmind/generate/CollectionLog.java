package dev.smallmind.generate;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The collections the JVM reports while it is open, each with its collector, its cause and every heap pool's use
 * before it, so that a zero-GC test that fails says why ("Allocation Failure" with eden full, "Metadata GC
 * Threshold", ...). Notifications arrive on the JVM's notification thread, shortly after each collection.
 */
final class CollectionLog implements NotificationListener, AutoCloseable {
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final List<String> entries = new ArrayList<>();

    CollectionLog() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(this, null, null);
                emitters.add(emitter);
            }
        }
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        StringBuilder entry = new StringBuilder(info.getGcName() + " (" + info.getGcCause() + "), used before:");
        for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageBeforeGc().entrySet()) {
            entry.append(' ').append(pool.getKey()).append(' ').append(pool.getValue().getUsed() / 1024).append(" KB");
        }
        synchronized (entries) {
            entries.add(entry.toString());
        }
    }

    /**
     * @param expected collections the caller counted, which the log waits for (up to a second) before answering
     * @return one line per collection reported so far
     */
    String describe(long expected) throws InterruptedException {
        for (int i = 0; i < 100 && size() < expected; i++) {
            Thread.sleep(10);
        }
        synchronized (entries) {
            return entries.isEmpty() ? "no collection reported" : String.join("; ", entries);
        }
    }

    private int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    @Override
    public void close() throws ListenerNotFoundException {
        for (NotificationEmitter emitter : emitters) {
            emitter.removeNotificationListener(this);
        }
    }
}
