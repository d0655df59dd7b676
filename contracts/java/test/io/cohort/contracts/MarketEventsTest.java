package io.cohort.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.contracts.generated.Market;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.datatypes.Event;

class MarketEventsTest {

    @Test
    void everyEventsTopicIsTheGeneratedBindingsOutsideQuarkus() throws Exception {
        List<String> bound = new ArrayList<>();
        for (Field f : Market.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == Event.class) {
                Event e = (Event) f.get(null);
                bound.add(e.getName());
                assertThat(MarketEvents.topic(e.getName()))
                        .as(e.getName())
                        .isEqualTo(EventEncoder.encode(e));
            }
        }
        assertThat(bound).containsExactlyInAnyOrderElementsOf(MarketEvents.names());
        assertThat(bound).hasSize(15);
    }

    @Test
    void aStructArgumentIsWrittenAsItsComponentsInParentheses() {
        assertThat(MarketEvents.signature("ResultPosted"))
                .isEqualTo(
                        "ResultPosted(uint256,uint256,address,bytes32,"
                                + "(bytes32,uint128,uint128,uint16,bytes32,bytes,bytes))");
        assertThat(MarketEvents.signature("UpdateSubmitted"))
                .isEqualTo("UpdateSubmitted(uint256,uint256,address,bytes,bytes32)");
        assertThatThrownBy(() -> MarketEvents.topic("Nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the market has no event Nope");
    }
}
