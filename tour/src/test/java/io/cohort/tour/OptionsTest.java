package io.cohort.tour;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void defaultsAreTheIssuesDemoAndFlagsChangeThem() {
        Demo.Options d = Demo.Options.parse();
        assertThat(d)
                .isEqualTo(
                        new Demo.Options(
                                5, 4, 1, 1, 0, "fashion-mnist", 1500, null, null, false, 45, 30));

        Demo.Options o =
                Demo.Options.parse(
                        "--rounds",
                        "2",
                        "--trainers",
                        "3",
                        "--poisoners",
                        "0",
                        "--copiers",
                        "1",
                        "--keep",
                        "--dataset",
                        "mnist",
                        "--rpc-url",
                        "http://127.0.0.1:8545");

        assertThat(o.rounds()).isEqualTo(2);
        assertThat(o.honest()).isEqualTo(3);
        assertThat(o.poisoners()).isZero();
        assertThat(o.copiers()).isEqualTo(1);
        assertThat(o.keep()).isTrue();
        assertThat(o.dataset()).isEqualTo("mnist");
        assertThat(o.rpcUrl()).isEqualTo("http://127.0.0.1:8545");
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> Demo.Options.parse("--rounds", "0"))
                .hasMessage("--rounds must be at least 1");
        assertThatThrownBy(() -> Demo.Options.parse("--rounds", "x"))
                .hasMessage("--rounds takes a whole number, got 'x'");
        assertThatThrownBy(() -> Demo.Options.parse("--dataset", "cifar"))
                .hasMessageContaining("mnist or fashion-mnist");
        assertThatThrownBy(() -> Demo.Options.parse("--fast", "1"))
                .hasMessageContaining("unknown option --fast");
        assertThatThrownBy(() -> Demo.Options.parse("--rounds"))
                .hasMessageContaining("--rounds needs a value");
    }
}
