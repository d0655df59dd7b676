package io.cohort.node.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the node logs of an endpoint URL: where it points, never the key a provider put in it. */
class EndpointTest {

    @Test
    void keysInThePathQueryOrUserInfoAreNotLogged() {
        assertThat(Commands.endpoint("https://eth-mainnet.g.alchemy.com/v2/SECRETKEY"))
                .isEqualTo("https://eth-mainnet.g.alchemy.com");
        assertThat(Commands.endpoint("https://rpc.example.org:8443/?apikey=SECRET"))
                .isEqualTo("https://rpc.example.org:8443");
        assertThat(Commands.endpoint("https://user:SECRET@rpc.example.org/"))
                .isEqualTo("https://rpc.example.org");
        assertThat(Commands.endpoint("wss://mainnet.infura.io/ws/v3/SECRET#x"))
                .isEqualTo("wss://mainnet.infura.io");
    }

    @Test
    void aLocalEndpointIsLoggedAsItIs() {
        assertThat(Commands.endpoint("http://127.0.0.1:8545")).isEqualTo("http://127.0.0.1:8545");
        assertThat(Commands.endpoint("http://[::1]:5001")).isEqualTo("http://[::1]:5001");
        assertThat(Commands.endpoint("embedded:/tmp/ipfs")).isEqualTo("embedded:/tmp/ipfs");
    }

    @Test
    void whatDoesNotParseIsNotEchoed() {
        assertThat(Commands.endpoint("https://rpc.example.org/SECRET key"))
                .doesNotContain("SECRET");
        assertThat(Commands.endpoint("rpc.example.org/SECRET")).doesNotContain("SECRET");
    }
}
