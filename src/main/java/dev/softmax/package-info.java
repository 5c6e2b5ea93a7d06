/** Softmax (multinomial logistic) regression on ND4J: shared settings such as the native thread count. */
package dev.softmax;
