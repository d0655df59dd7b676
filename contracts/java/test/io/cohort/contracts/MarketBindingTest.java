package io.cohort.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.contracts.generated.Market;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MarketBindingTest {

    @Test
    void marketBindingDeploysTheBytecodeForgeBuilt() throws IOException {
        // given: the creation bytecode forge wrote (Surefire runs in the module directory)
        String forgeBytecode = Files.readString(Path.of("out/Market.sol/Market.bin")).strip();

        // when
        String boundBytecode = Market.BINARY;

        // then
        assertThat(forgeBytecode).isNotEmpty().matches("(0x)?[0-9a-f]+");
        assertThat(boundBytecode).isEqualTo(forgeBytecode);
    }
}
