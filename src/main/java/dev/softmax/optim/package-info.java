/** Optimizers behind one interface (gradient descent, Newton, Newton-CG, L-BFGS, SGD, Adam), with shared stopping criteria, history rows and results. */
package dev.softmax.optim;
