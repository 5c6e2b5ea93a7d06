/** The objective: stable softmax utilities, the parameter layout, and the L2-regularised softmax cross-entropy with its gradient, Hessian-vector products, dense Hessian and mini-batches, and a Kronecker-factored preconditioner for Newton-CG ({@link dev.softmax.loss.KroneckerPreconditioner}). */
package dev.softmax.loss;
