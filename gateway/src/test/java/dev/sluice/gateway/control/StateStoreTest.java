package dev.sluice.gateway.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    private final ObjectMapper json = new ObjectMapper();
    @TempDir
    Path dir;

    @Test
    void documentsRoundTripAndReplaceAtomically() {
        StateStore store = new StateStore(dir, json);
        ObjectNode v1 = json.createObjectNode().put("v", 1);
        store.put("endpoints", "a", v1);
        store.put("endpoints", "a", json.createObjectNode().put("v", 2));
        store.put("endpoints", "b", v1);
        assertThat(new StateStore(dir, json).list("endpoints")).containsOnlyKeys("a", "b");
        assertThat(store.list("endpoints").get("a").get("v").asInt()).isEqualTo(2);
        store.delete("endpoints", "b");
        assertThat(store.list("endpoints")).containsOnlyKeys("a");
        assertThat(store.list("models")).isEmpty();
    }

    @Test
    void leftoversOfACrashedWriteAreIgnoredAndTornDocumentsSkipped() throws Exception {
        StateStore store = new StateStore(dir, json);
        store.put("models", "good", json.createObjectNode().put("ok", true));
        // What a crash between create-temp and rename leaves behind, and a document truncated by a broken disk.
        Files.writeString(dir.resolve("models/.tmp-123.json"), "{\"half\":");
        Files.writeString(dir.resolve("models/torn.json"), "{\"half\":");
        assertThat(store.list("models")).containsOnlyKeys("good");
        assertThat(dir.resolve("models/.tmp-123.json")).doesNotExist();
    }

    @Test
    void namesThatCouldEscapeTheDirectoryAreRefused() {
        StateStore store = new StateStore(dir, json);
        assertThatThrownBy(() -> store.put("models", "../evil", json.createObjectNode()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.put("../x", "a", json.createObjectNode()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
