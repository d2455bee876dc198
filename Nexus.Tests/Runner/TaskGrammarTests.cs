using Nexus.AgentRunner.Agent;

namespace Nexus.Tests.Runner;

public sealed class TaskGrammarTests
{
    [Fact]
    public void Echo_becomes_one_echo_call_with_the_rest_of_the_text()
    {
        var step = Assert.Single(TaskGrammar.Parse("echo hello   world"));
        Assert.Equal(AgentTools.Echo, step.Tool);
        Assert.Equal("hello   world", step.Arguments["text"]);
    }

    [Theory]
    [InlineData("sleep 3", 3.0)]
    [InlineData("wait 0.5", 0.5)]
    [InlineData("SLEEP 0", 0.0)]
    public void Sleep_and_wait_take_seconds(string task, double seconds)
    {
        var step = Assert.Single(TaskGrammar.Parse(task));
        Assert.Equal(AgentTools.Sleep, step.Tool);
        Assert.Equal(seconds, step.Arguments["seconds"]);
    }

    [Fact]
    public void Write_takes_a_file_name_and_the_rest_as_text()
    {
        var step = Assert.Single(TaskGrammar.Parse("write notes.txt hello there"));
        Assert.Equal(AgentTools.WriteFile, step.Tool);
        Assert.Equal("notes.txt", step.Arguments["file"]);
        Assert.Equal("hello there", step.Arguments["text"]);
    }

    [Fact]
    public void Now_and_add_are_harmless_steps()
    {
        var steps = TaskGrammar.Parse("now then add 2 3.5");
        Assert.Equal([AgentTools.Now, AgentTools.Add], steps.Select(s => s.Tool));
        Assert.Equal(2.0, steps[1].Arguments["a"]);
        Assert.Equal(3.5, steps[1].Arguments["b"]);
    }

    [Fact]
    public void Then_chains_steps_in_order_case_insensitively()
    {
        var steps = TaskGrammar.Parse("echo one THEN sleep 1 then write a.txt x then echo two");
        Assert.Equal([AgentTools.Echo, AgentTools.Sleep, AgentTools.WriteFile, AgentTools.Echo], steps.Select(s => s.Tool));
        Assert.Equal("two", steps[3].Arguments["text"]);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("fly to the moon", "Step 1")]
    [InlineData("echo ok then dance", "Step 2")]
    [InlineData("echo", "echo needs a text")]
    [InlineData("sleep soon", "number of seconds")]
    [InlineData("sleep -1", "0 to 3600")]
    [InlineData("sleep 99999", "0 to 3600")]
    [InlineData("write onlyname", "file name and a text")]
    [InlineData("add 1", "two numbers")]
    [InlineData("add one two", "two numbers")]
    [InlineData("now please", "no argument")]
    public void Bad_tasks_say_which_step_and_why(string task, string expected)
    {
        var error = Assert.Throws<PlanException>(() => TaskGrammar.Parse(task));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a/b.txt")]
    [InlineData("a\\b.txt")]
    [InlineData("/abs.txt")]
    [InlineData("c:x.txt")]
    [InlineData("x..y")]
    public void Write_refuses_file_names_that_could_leave_the_sandbox(string file)
    {
        Assert.NotNull(SandboxFileName.Validate(file));
        var error = Assert.Throws<PlanException>(() => TaskGrammar.Parse($"write {file} text"));
        Assert.Contains("Step 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("notes.txt")]
    [InlineData("report-2024_v2.md")]
    [InlineData("README")]
    public void Plain_file_names_are_accepted(string file) => Assert.Null(SandboxFileName.Validate(file));

    [Fact]
    public void A_too_long_file_name_is_refused()
        => Assert.Contains("longer", SandboxFileName.Validate(new string('a', SandboxFileName.MaxLength + 1)), StringComparison.Ordinal);
}
