package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
    @Test
    void bytesAndBinaryUnits() {
        assertThat(ByteSize.parse("1048576")).isEqualTo(1_048_576L);
        assertThat(ByteSize.parse("1")).isEqualTo(1L);
        assertThat(ByteSize.parse("64k")).isEqualTo(64L << 10);
        assertThat(ByteSize.parse("512m")).isEqualTo(512L << 20);
        assertThat(ByteSize.parse("2g")).isEqualTo(2L << 30);
        assertThat(ByteSize.parse("2G")).isEqualTo(2L << 30);
        assertThat(ByteSize.parse(" 2 GiB ")).isEqualTo(2L << 30);
        assertThat(ByteSize.parse("512MB")).isEqualTo(512L << 20);
        assertThat(ByteSize.parse("1t")).isEqualTo(1L << 40);
        assertThat(ByteSize.parse("1.5g")).isEqualTo(3L << 29);
        assertThat(ByteSize.parse("100b")).isEqualTo(100L);
    }

    @Test
    void mistakesNameTheValueAndTheForms() {
        for (String bad : new String[] {"", "g", "-1", "2x", "1,5g", "2 g b", "0x10", "1e9"}) {
            assertThatThrownBy(() -> ByteSize.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "' is not a size").hasMessageContaining("2g");
        }
        assertThatThrownBy(() -> ByteSize.parse("0")).hasMessageContaining("at least 1 byte");
        assertThatThrownBy(() -> ByteSize.parse("0.1")).hasMessageContaining("at least 1 byte");
        assertThatThrownBy(() -> ByteSize.parse("9999999t")).hasMessageContaining("larger than");
    }
}
