/** The objective: stable softmax utilities, the parameter layout, and the L2-regularised softmax cross-entropy with its gradient, Hessian-vector products, dense Hessian and mini-batches. */
package dev.softmax.loss;
