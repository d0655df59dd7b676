package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.node.round.MarketClient.LogRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogRangeTest {

    private static List<List<Long>> pages(LogRange range, long from, long to) {
        return range.pages(from, to).stream().map(p -> List.of(p[0], p[1])).toList();
    }

    @Test
    void aLongRangeIsReadInConsecutivePagesThatCoverItExactly() {
        assertThat(pages(new LogRange(0, 10), 0, 25))
                .containsExactly(List.of(0L, 9L), List.of(10L, 19L), List.of(20L, 25L));
        assertThat(pages(new LogRange(0, 10), 0, 19))
                .containsExactly(List.of(0L, 9L), List.of(10L, 19L));
        assertThat(pages(new LogRange(0, 1), 7, 9))
                .containsExactly(List.of(7L, 7L), List.of(8L, 8L), List.of(9L, 9L));
    }

    @Test
    void nothingBeforeTheFirstBlockIsRead() {
        assertThat(pages(new LogRange(100, 10), 0, 104)).containsExactly(List.of(100L, 104L));
        assertThat(pages(new LogRange(100, 10), 120, 125)).containsExactly(List.of(120L, 125L));
        assertThat(pages(new LogRange(100, 10), 0, 99)).isEmpty();
    }

    @Test
    void anEmptyRangeHasNoPagesAndHugeBoundsDoNotOverflow() {
        assertThat(pages(LogRange.DEFAULT, 5, 4)).isEmpty();
        assertThat(pages(new LogRange(0, Long.MAX_VALUE), 0, 1_000_000))
                .containsExactly(List.of(0L, 1_000_000L));
        assertThat(pages(new LogRange(0, 10), Long.MAX_VALUE - 12, Long.MAX_VALUE))
                .containsExactly(
                        List.of(Long.MAX_VALUE - 12, Long.MAX_VALUE - 3),
                        List.of(Long.MAX_VALUE - 2, Long.MAX_VALUE));
    }

    @Test
    void aNegativeStartOrAnEmptyPageIsRefused() {
        assertThatThrownBy(() -> new LogRange(-1, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(">= 0");
        assertThatThrownBy(() -> new LogRange(0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 block");
    }
}
