package io.cohort.node.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.node.round.CopiesReleased;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArgsTest {

    @Test
    void twoWordCommandsTakeRepeatedOptionsInBothSpellings() throws Exception {
        Args a = Args.parse("trainer", "run", "--project", "1", "--project=7");

        assertThat(a.command()).isEqualTo("trainer run");
        assertThat(a.all("project")).containsExactly("1", "7");
        assertThat(a.longRunning()).isTrue();
        assertThatThrownBy(() -> a.one("project"))
                .isInstanceOf(Args.UsageException.class)
                .hasMessage("--project is given 2 times");
    }

    @Test
    void shortCommandsAreNotLongRunningAndServeNoHttp() throws Exception {
        assertThat(Args.parse("status").longRunning()).isFalse();
        assertThat(Args.longRunning("keys", "new")).isFalse();
        assertThat(Args.longRunning("evaluator", "run", "--project", "2")).isTrue();
        assertThat(Args.longRunning("evaluator")).isFalse();
        assertThat(Args.parse("--help").command()).isEqualTo("help");
    }

    @Test
    void dashHIsHelpAsTheUsageSays() throws Exception {
        assertThat(Args.parse("-h").command()).isEqualTo("help");
        assertThat(Args.parse("help").command()).isEqualTo("help");
    }

    @Test
    void everyMistakeIsNamedInOneLine() {
        List<String[]> bad =
                List.of(
                        new String[] {},
                        new String[] {"frob"},
                        new String[] {"trainer"},
                        new String[] {"trainer", "run", "--rounds", "3"},
                        new String[] {"trainer", "run", "--project"},
                        new String[] {"trainer", "run", "--project", "--project", "1"},
                        new String[] {"keys", "new", "extra"},
                        new String[] {"status", "--"});
        List<String> reasons =
                List.of(
                        "no command given",
                        "unknown command 'frob'",
                        "unknown command 'trainer'",
                        "'trainer run' has no option --rounds",
                        "--project needs a value",
                        "--project needs a value",
                        "unknown command 'keys new extra'",
                        "'--' is not an option of 'status'");
        for (int i = 0; i < bad.size(); i++) {
            String[] argv = bad.get(i);
            assertThatThrownBy(() -> Args.parse(argv))
                    .isInstanceOf(Args.UsageException.class)
                    .hasMessage(reasons.get(i))
                    .message()
                    .doesNotContain("\n");
        }
    }

    @Test
    void compressionNamesMapToTheCodecsSettings() throws Exception {
        assertThat(Commands.compression("dense").keep()).isEqualTo(1.0);
        assertThat(Commands.compression("top-k-8bit:0.05").keep()).isEqualTo(0.05);
        assertThatThrownBy(() -> Commands.compression("top-k:2"))
                .isInstanceOf(Commands.Failure.class)
                .hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> Commands.compression("zip"))
                .isInstanceOf(Commands.Failure.class)
                .hasMessageContaining("none of dense");
    }

    @Test
    void behaviourNamesMapToTheAttackSimulators() throws Exception {
        assertThat(Commands.behaviour("honest").name()).isEqualTo("honest");
        assertThat(Commands.behaviour("sign-flip:10").name()).contains("10");
        assertThat(Commands.behaviour("free-rider").trains()).isFalse();
        assertThat(Commands.behaviour("copier")).isInstanceOf(CopiesReleased.class);
        assertThat(Commands.behaviour("copier").trains()).isFalse();
        assertThatThrownBy(() -> Commands.behaviour("sign-flip:x"))
                .isInstanceOf(Commands.Failure.class)
                .hasMessageContaining("sign-flip:x");
        assertThatThrownBy(() -> Commands.behaviour("sneaky"))
                .isInstanceOf(Commands.Failure.class)
                .hasMessageContaining("none of honest");
    }
}
