package io.cohort.learning.attack;

/** A benign trainer: trains on its own data and submits what it trained. */
public record Honest() implements Behaviour {

    @Override
    public String name() {
        return "honest";
    }

    @Override
    public boolean honest() {
        return true;
    }

    @Override
    public float[] submit(float[] trained, RoundView view) {
        return trained;
    }
}
