from generator.commands.cli import command

command()
