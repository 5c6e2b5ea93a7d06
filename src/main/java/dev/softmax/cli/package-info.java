/** The command line (picocli): train, evaluate, predict, compare, download and bench. */
package dev.softmax.cli;
