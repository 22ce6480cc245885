package io.switchboard.server

/**
 * A hosted component with start-up and shut-down hooks. A [ServiceServer] calls [onStart] on every
 * hosted implementation that implements it before it starts listening, and [onStop] after the calls in
 * flight have drained.
 */
public interface Lifecycle {
    /** Prepares the component; an exception here fails `ServiceServer.start()`. */
    public fun onStart() {}

    /** Releases what the component holds. */
    public fun onStop() {}
}
