package dev.sluice.pipeline.processors.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.pipeline.spi.ProcessorProvider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class ImageProviderTest {

    @Test
    void theServiceLoaderFindsTheProviderBySluiceImage() {
        List<ProcessorProvider> found = new ArrayList<>();
        Iterator<ProcessorProvider> providers = ServiceLoader.load(ProcessorProvider.class).iterator();
        while (true) {
            try {
                if (!providers.hasNext()) {
                    break;
                }
                ProcessorProvider provider = providers.next();
                if (provider.image().equals("sluice/image")) {
                    found.add(provider);
                }
            } catch (ServiceConfigurationError e) {
                // Another provider of the file failing to load is its own test's business.
            }
        }

        assertThat(found).singleElement().isInstanceOf(ImageProvider.class);
        assertThat(found.get(0).description()).contains("RESIZE", "CROP", "MEAN", "STD", "LAYOUT");
    }
}
