//! libzmq's public constants (placeholder: being written)
