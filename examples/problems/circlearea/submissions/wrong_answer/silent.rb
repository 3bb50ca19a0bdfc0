# Reads the input and prints nothing: an empty output is Wrong Answer.
t = gets.to_i
radii = Array.new(t) { gets.to_f }
radii.sum
