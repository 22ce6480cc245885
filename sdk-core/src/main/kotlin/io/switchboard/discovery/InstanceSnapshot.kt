package io.switchboard.discovery

import io.switchboard.ConfigurationException
import java.nio.file.Path
import java.time.Duration

/**
 * Where a manager keeps its instance snapshot on disk, and how old a snapshot it still trusts.
 *
 * With a snapshot, the last good instance list of each service the manager calls is written to [path]
 * (atomically, when the list changes). A manager that starts while its registry is unreachable then
 * serves calls from that file — marked stale, its age visible through [SnapshotDiscovery.status] — and
 * switches to live data as soon as the registry answers. A file that is corrupt, written for another
 * registry, or older than [maxAge] is refused with a log line that says why; it never fails the start.
 *
 * Give each application its own path: two managers writing one file overwrite each other's services.
 *
 * @property path the snapshot file; its directory is created if missing.
 * @property maxAge how old a snapshot may be and still be served; 7 days by default.
 */
public class InstanceSnapshot
    @JvmOverloads
    constructor(
        public val path: Path,
        public val maxAge: Duration = DEFAULT_MAX_AGE,
    ) {
        init {
            if (maxAge.isNegative || maxAge.isZero) {
                throw ConfigurationException("instance snapshot max-age: $maxAge (expected: a duration above zero, such as 7d)")
            }
        }

        override fun toString(): String = "InstanceSnapshot(path=$path, maxAge=$maxAge)"

        /** Defaults. */
        public companion object {
            /** The default [maxAge]: 7 days. */
            @JvmField
            public val DEFAULT_MAX_AGE: Duration = Duration.ofDays(7)
        }
    }
