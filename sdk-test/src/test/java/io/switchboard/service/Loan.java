package io.switchboard.service;

import java.util.List;
import java.util.Optional;

/** A Java record a Kotlin service takes: its JSON schema comes from what Jackson sees of it. */
public record Loan(
        String isbn,
        @Description("Who borrows the book") String reader,
        int days,
        Optional<String> note,
        List<String> tags) {}
