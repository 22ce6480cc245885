package io.switchboard.bench;

/** A client whose calls block their thread (Retrofit's {@code execute()}, OpenFeign): run on a thread per caller. */
public interface BlockingClient extends AutoCloseable {
    /** {@code GET /hello}, decoded. */
    Object get() throws Exception;

    /** {@code POST /echo} with the order, decoded. */
    Object post() throws Exception;
}
