package dev.sluice.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class VariantKeyTest {

    @Property(tries = 200)
    void resourceIdsRoundTrip(@ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 63) String endpoint,
                              @ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 63) String variant) {
        VariantKey key = new VariantKey(endpoint, variant);
        assertThat(VariantKey.fromResourceId(key.resourceId())).contains(key);
    }

    @Test
    void rejectsWhatIsNotAVariantResourceId() {
        assertThat(VariantKey.fromResourceId("endpoint/a/variant/b")).contains(new VariantKey("a", "b"));
        assertThat(VariantKey.fromResourceId("endpoint/my-endpoint/variant/v-1")).isPresent();
        assertThat(VariantKey.fromResourceId("endpoint/a")).isEmpty();
        assertThat(VariantKey.fromResourceId("endpoint/a/variant/b/extra")).isEmpty();
        assertThat(VariantKey.fromResourceId("endpoint/-a/variant/b")).isEmpty();
        assertThat(VariantKey.fromResourceId("inference-component/a")).isEmpty();
        assertThat(VariantKey.fromResourceId(null)).isEmpty();
        assertThatThrownBy(() -> new VariantKey("a_b", "v")).hasMessageContaining("endpointName must match");
    }
}
