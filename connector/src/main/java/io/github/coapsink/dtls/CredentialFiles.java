package io.github.coapsink.dtls;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** The one check every credential file passes before it is read. */
final class CredentialFiles {

    private CredentialFiles() {
    }

    static File readable(String key, String path) {
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            throw new CredentialProblem(key, path + " does not exist (the file must be on every worker that runs a task)");
        }
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new CredentialProblem(key, path + " is not a readable file for the worker's user");
        }
        return p.toFile();
    }
}
